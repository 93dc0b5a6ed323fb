// The one module of undici the transport loads (undici-transport.ts): its Pool class. undici
// has no `exports` map, so the file can be imported by path; its types are the package's.
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export default PoolClass;
}
