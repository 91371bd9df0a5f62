/**
 * Reads a fetch response body, refusing more than `limit` bytes: an answer from another engine or
 * a registry is never trusted to be small. `tooLarge` makes the caller's own error type, so each
 * client keeps its failure semantics (retry, fail over).
 */
export async function readLimited(response: Response, limit: number, where: string, tooLarge: (message: string) => Error): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw tooLarge(`${where} answered with ${declared} bytes, more than the ${limit} read`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(`${where} answered with more than the ${limit} bytes read`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
