// The debug channel: EBB_DEBUG names what to trace, as NODE_DEBUG does for util.debuglog
// ("EBB_DEBUG=sql,star"; any value also prints the stack of an unexpected error). It is parsed
// once per value, here only; a trace line goes wherever its writer says — a command passes
// its IO's stderr, so traces go through the command's IO like every other line it prints.

/** What EBB_DEBUG can name: every DuckDB statement (sql), the .star runner's decisions (star). */
export type DebugSection = 'sql' | 'star';

/** DebugLog writes trace lines of the sections EBB_DEBUG names, and nothing otherwise. */
export interface DebugLog {
  /** Whether EBB_DEBUG is set at all (an unexpected error then prints its stack). */
  readonly any: boolean;
  /** enabled says whether EBB_DEBUG names the section (to skip building a costly line). */
  enabled(section: DebugSection): boolean;
  /** log writes "[section] line" when EBB_DEBUG names the section. */
  log(section: DebugSection, line: string): void;
}

const parsed = new Map<string, ReadonlySet<string>>();

/** debugSections is the set of names in an EBB_DEBUG value (comma or space separated). */
export function debugSections(value: string | undefined): ReadonlySet<string> {
  const text = value ?? '';
  let sections = parsed.get(text);
  if (sections === undefined) {
    sections = new Set(text.split(/[\s,]+/).filter((s) => s !== ''));
    parsed.set(text, sections);
  }
  return sections;
}

/** debugLog is the debug channel of an environment, writing its lines with `write`. */
export function debugLog(env: NodeJS.ProcessEnv, write: (text: string) => void): DebugLog {
  const sections = debugSections(env['EBB_DEBUG']);
  return {
    any: sections.size > 0,
    enabled: (section) => sections.has(section),
    log: (section, line) => {
      if (sections.has(section)) write(`[${section}] ${line}\n`);
    },
  };
}

/** NO_DEBUG traces nothing (a caller that passed no channel). */
export const NO_DEBUG: DebugLog = { any: false, enabled: () => false, log: () => undefined };
