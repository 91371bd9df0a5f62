// Signed messages use the one replay cache of the security module (docs/security.md, "Replay").
export { ReplayCache, DEFAULT_REPLAY_CACHE_ENTRIES, type ReplayCacheLike, type ReplayCacheOptions, type RememberResult } from '../../services/security';
