/**
 * lib/starlark/lib/time — the `time` module for Starlark programs (starlark-go's lib/time):
 * the module value, the per-thread clock, and the two value types a host may meet.
 */
export { timeModule, setNow, type Clock } from './module.js';
export { Time } from './time-value.js';
export { Duration } from './duration.js';
