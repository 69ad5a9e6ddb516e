/**
 * The `data` payloads of a Server-Sent Events stream, as they complete: events end at a blank line, multi-line data
 * joins with "\n", comments (": ping") and other fields are skipped, and bytes may split anywhere (inside a UTF-8
 * character, a line, or "\r\n").
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const takeLines = function* (final: boolean): Generator<string> {
    for (;;) {
      const nl = buffer.search(/\r\n|\r|\n/);
      if (nl < 0 || (!final && nl === buffer.length - 1 && buffer[nl] === '\r')) return;
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line[5] === ' ' ? 6 : 5));
      }
    }
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    yield* takeLines(false);
  }
  buffer += decoder.decode();
  if (buffer !== '') buffer += '\n';
  yield* takeLines(true);
  if (data.length > 0) yield data.join('\n');
}
