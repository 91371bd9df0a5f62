import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs (pino) to stderr, so stdout stays clean for command output and pipes.
 * Secrets are redacted by key wherever they appear.
 */
export function createLogger(level: string, destination: number = 2): Logger {
  return pino(
    {
      level,
      base: { service: 'interflow' },
      redact: { paths: ['password', '*.password', 'authorization', '*.authorization', 'token', '*.token', 'databaseUrl'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: destination, sync: true }),
  );
}
