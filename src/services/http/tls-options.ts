import { readFileSync } from 'node:fs';

export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

/**
 * INTERFLOW_TLS_CERT / INTERFLOW_TLS_KEY: PEM file paths. Both or neither: half a configuration is
 * an error, not a silent fall-back to plain HTTP.
 */
export function tlsFromEnv(env: NodeJS.ProcessEnv): TlsFiles | undefined {
  const certFile = env.INTERFLOW_TLS_CERT?.trim();
  const keyFile = env.INTERFLOW_TLS_KEY?.trim();
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('set both INTERFLOW_TLS_CERT and INTERFLOW_TLS_KEY (PEM files) to serve HTTPS, or neither for HTTP');
  return { cert: readPem(certFile, 'INTERFLOW_TLS_CERT'), key: readPem(keyFile, 'INTERFLOW_TLS_KEY') };
}

function readPem(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`${variable}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
