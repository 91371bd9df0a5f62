/** WS-Security signing and verification of transfer messages (docs/signing.md). */
export { loadSigningIdentity, CERTIFICATE_VALIDITY_YEARS } from './identity';
export type { SigningIdentity, LoadSigningIdentityOptions } from './identity';
export { signEnvelope, signCanonical, DEFAULT_TTL_SECONDS } from './sign';
export type { SignOptions, CanonicalContent } from './sign';
export { verifyEnvelope, DEFAULT_MAX_AGE_SECONDS, DEFAULT_MAX_SKEW_SECONDS } from './verify';
export type { VerifyOptions, VerifiedEnvelope } from './verify';
export { ReplayCache, DEFAULT_REPLAY_CACHE_ENTRIES } from './replay-cache';
export type { ReplayCacheLike, ReplayCacheOptions, RememberResult } from './replay-cache';
export { SignatureError } from './errors';
export type { SignatureErrorCode } from './errors';
export { WSSE_CODE_OF_SIGNATURE_ERROR } from './errors';
export { senderOfTransferHeader, textOnly, transferHeaderField } from './envelope';
export { childElements, parseStrict, serialize } from './dom';
export { TRANSFER_NS, XSI_NS, WSSE_NS, WSU_NS, DS_NS, EXC_C14N, RSA_SHA256, SHA256 } from './constants';
export { SigningThreads, inThisThread } from './threads';
export type { EnvelopeCrypto } from './threads';
