import type { IncomingMessage } from 'node:http';
import { TextDecoder } from 'node:util';
import { SoapFault } from './soap-fault';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** INTERFLOW_MAX_BODY: bytes, or with a k/m suffix (KiB/MiB), e.g. `2m`. */
export function maxBodyFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.INTERFLOW_MAX_BODY?.trim();
  if (!raw) return DEFAULT_MAX_BODY_BYTES;
  const m = /^(\d+)\s*([kKmM]i?[bB]?)?$/.exec(raw);
  if (!m || Number(m[1]) <= 0) throw new Error(`INTERFLOW_MAX_BODY must be a size in bytes such as 1048576, 512k or 2m; got "${raw}"`);
  const unit = m[2]?.[0]?.toLowerCase();
  return Number(m[1]) * (unit === 'm' ? 1024 * 1024 : unit === 'k' ? 1024 : 1);
}

/** How much of a body arrives before its start is probed (ReadBodyOptions.probe). */
export const PROBE_AT_BYTES = 64 * 1024;

export interface ReadBodyOptions {
  /**
   * Called once with the decoded start of a body of at least `probeAt` bytes; a SoapFault it
   * throws refuses the request before the rest is read. It must only throw for what more text
   * could not undo (a limit already exceeded), never because the text is cut short.
   */
  probe?: (prefix: string) => void;
  probeAt?: number;
}

export function describeSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

// Past this much the rest of an oversized body is no longer drained but the connection is cut:
// draining lets the caller read the fault, but must not become a way to make us read forever.
const DRAIN_FACTOR = 16;

function tooLarge(limit: number): SoapFault {
  return new SoapFault('Client', `request body is over the ${describeSize(limit)} limit`, 'BODY_TOO_LARGE', { httpStatus: 413 });
}

/**
 * Reads the request body up to `limit` bytes and decodes it by its declared charset. The limit
 * is enforced on the declared Content-Length before reading and on the bytes as they arrive, so
 * an oversized body is never held in memory.
 */
export async function readBody(req: IncomingMessage, limit: number, options: ReadBodyOptions = {}): Promise<string> {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    req.resume();
    throw new SoapFault('Client', `Content-Encoding "${encoding}" is not accepted; send the envelope uncompressed`, 'UNSUPPORTED_ENCODING', { httpStatus: 415 });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    drain(req, limit);
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const probeAt = options.probe ? (options.probeAt ?? PROBE_AT_BYTES) : Number.POSITIVE_INFINITY;
  let probed = false;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        drain(req, limit);
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
      if (!probed && size >= probeAt) {
        probed = true;
        // The start of a large body is checked as it arrives: a body that is over a limit there
        // is refused without reading (or decoding) the rest, which is drained.
        try {
          const prefix = new TextDecoder(charsetOf(req.headers['content-type'])).decode(Buffer.concat(chunks, size), { stream: true });
          options.probe!(prefix);
        } catch (e) {
          if (e instanceof SoapFault) {
            req.off('data', onData);
            drain(req, limit);
            reject(e);
          }
          // anything else (an unknown charset) is left to the full read to report
        }
      }
    };
    req.on('data', onData);
    req.once('end', resolve);
    req.once('error', reject);
  });
  return decode(Buffer.concat(chunks, size), charsetOf(req.headers['content-type']));
}

function drain(req: IncomingMessage, limit: number): void {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > limit * DRAIN_FACTOR) req.socket.destroy();
  });
  req.resume();
}

function charsetOf(contentType: string | undefined): string {
  const m = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return m ? m[1].toLowerCase() : 'utf-8';
}

// A decoder used without `stream` starts afresh on every call (WHATWG Encoding, decode()), so one
// per charset serves every request; building one cost about as much as decoding a small envelope.
// Keyed by the charset names callers send; at most 64 are kept.
const decoders = new Map<string, TextDecoder>();

function decode(bytes: Buffer, charset: string): string {
  let decoder = decoders.get(charset);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(charset, { fatal: true });
    } catch {
      throw new SoapFault('Client', `charset "${charset}" is not supported; send UTF-8`, 'UNSUPPORTED_CHARSET', { httpStatus: 415 });
    }
    if (decoders.size < 64) decoders.set(charset, decoder);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new SoapFault('Client', `the request body is not valid ${charset}`, 'MALFORMED_XML');
  }
}
