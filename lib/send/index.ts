// The public face of lib/send: types, defaults, errors, the transport, the limiter, the retry
// policy, idempotency keys and the Sender. Other layers import from here only.

export type { HttpRequest, HttpResponse, Transport, SendOutcome, SenderSettings } from './types.js';
export { SEND_DEFAULTS } from './defaults.js';
export type { SendDefaults } from './defaults.js';
export {
  SendError,
  NetworkError,
  TimeoutError,
  HttpStatusError,
  CircuitOpenError,
  RetryAfterTooLongError,
  SendStoppedError,
  BadUrlError,
  InvalidRequestError,
} from './errors.js';
export { originOf, splitUrl } from './url.js';
export { NEVER_ABORTED } from './never.js';
export type { SplitUrl } from './url.js';
export { UndiciTransport, translateError } from './undici-transport.js';
export type { UndiciTransportOptions } from './undici-transport.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export { RateLimiter, gcraSpacing, type Limiter } from './rate-limiter.js';
export {
  SharedRateLimiter,
  type LayoutConflict,
  type Lease,
  type LeaseSource,
  type ShardLayout,
  type SharedLimits,
} from './shared-limiter.js';
export {
  SharedBreakerState,
  BREAKER_REFRESH_MS,
  type BreakerSource,
  type BreakerState,
  type OpenElsewhere,
} from './shared-breaker.js';
export {
  backoffMs,
  decideAfterError,
  decideAfterStatus,
  isRetryableErrorCode,
  parseRetryAfter,
} from './retry-policy.js';
export type { Decision, RetryLimits, RetryState } from './retry-policy.js';
export { idempotencyKey, idempotencyReady, initIdempotency } from './idempotency.js';
export { Sender } from './sender.js';
export { excerpt } from './outcome.js';
export type { AttemptEvent, SenderOptions } from './sender.js';
export { Breakers } from './breaker.js';
export type { BreakerRule, BreakerTrip, OriginState } from './breaker.js';
