// PAGE_ROWS is the size of a page of a tracked model's delta, in one place for both ends: the
// worker asks the main thread for pages of this many rows, and the main thread reads the delta
// from DuckDB in queries of at least this many (a query costs about as much as reading a few
// thousand rows, so a page per query keeps that cost small; the worker converts a page at a time,
// so a larger one only holds more memory). This file imports nothing: the worker bundle takes it
// without the rest of lib/detect.

/** Rows per page of a tracked model's delta, and the least read from DuckDB per query. */
export const PAGE_ROWS = 16_384;
