/**
 * A response body as a browser or a JSON parser would see it: undone `Content-Encoding` (gzip,
 * deflate with or without its zlib wrapper, br, stacked, identity), then bytes to text by the BOM
 * or the `charset` of `Content-Type`. The decoded size is bounded, so a decompression bomb costs at
 * most `maxBytes` of memory; the compressed side is bounded too.
 */
import { Readable, pipeline, type Transform } from 'node:stream';
import zlib from 'node:zlib';

/** A Content-Encoding this module cannot undo, or a body its decoder rejects (corrupt, truncated). */
export class BodyDecodingError extends Error {
  constructor(
    /** One line: `cannot decode Content-Encoding "zstd" (supported: gzip, deflate, br, identity)`. */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(reason, { cause });
    this.name = 'BodyDecodingError';
  }
}

export interface DecodedBytes {
  bytes: Buffer;
  /** Bytes received on the wire (before decoding). */
  wireBytes: number;
  /** The decoded body was cut at `maxBytes` (or the wire body at its own bound). */
  truncated: boolean;
  /** The codings undone, in the order applied by the server (`["gzip"]`); empty for identity. */
  codings: string[];
}

/** How much compressed data is read at most: enough for any body whose decoded form fits the bound. */
const WIRE_FACTOR = 8;

/**
 * Splits a Content-Encoding header into codings in the order the server applied them, dropping
 * `identity`. Throws BodyDecodingError for a coding that cannot be undone here (zstd, compress…).
 */
export function parseContentEncoding(header: string | undefined): string[] {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  for (const coding of codings) {
    if (!DECODERS[coding]) {
      throw new BodyDecodingError(`cannot decode Content-Encoding ${JSON.stringify(coding)} (supported: gzip, deflate, br, identity)`);
    }
  }
  return codings;
}

type Decoder = (first: Buffer) => Transform;

const DECODERS: Record<string, Decoder> = {
  // Strict (no lenient flush): a stream that ends before its trailer is an error, because the part
  // never received could hold the text a `bodyNotContains` looks for.
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  // RFC 9110 says zlib-wrapped; some servers send raw deflate. The zlib header is recognisable
  // (compression method 8, header checksum a multiple of 31), as browsers check it.
  deflate: (first) => (isZlibHeader(first) ? zlib.createInflate() : zlib.createInflateRaw()),
  br: () => zlib.createBrotliDecompress(),
};

function isZlibHeader(bytes: Buffer): boolean {
  if (bytes.length < 2) return false;
  return (bytes[0]! & 0x0f) === 8 && (bytes[0]! * 256 + bytes[1]!) % 31 === 0;
}

/**
 * Reads `source` (the wire body), undoing `codings` (last applied first), keeping at most
 * `maxBytes` decoded bytes. Errors of `source` (a reset connection, an abort) propagate unchanged;
 * a decoder's error becomes a BodyDecodingError naming the coding.
 */
export async function readDecoded(source: AsyncIterable<Buffer>, codings: string[], maxBytes: number): Promise<DecodedBytes> {
  let wireBytes = 0;
  let wireCut = false;
  const maxWireBytes = codings.length === 0 ? maxBytes : maxBytes * WIRE_FACTOR;
  let sourceFailed = false;
  async function* wire(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) {
        const room = maxWireBytes - wireBytes;
        if (chunk.length > room) {
          wireBytes += room;
          wireCut = true;
          yield chunk.subarray(0, room);
          return; // leaving the loop destroys the response body: a huge or endless body must not hold the check
        }
        wireBytes += chunk.length;
        yield chunk;
      }
    } catch (error) {
      sourceFailed = true;
      throw error;
    }
  }

  let stream: AsyncIterable<Buffer> = wire();
  for (const coding of [...codings].reverse()) stream = decodeWith(stream, coding);

  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  try {
    for await (const chunk of stream) {
      const room = maxBytes - kept;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        kept += room;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      kept += chunk.length;
    }
  } catch (error) {
    if (sourceFailed || codings.length === 0) throw error;
    const what = codings.length === 1 ? codings[0] : codings.join(', ');
    // A body cut at the wire bound ends mid-stream: that is the bound, not corruption.
    if (!wireCut) throw new BodyDecodingError(`cannot decode the ${what} body: ${firstLine(error)}`, error);
    truncated = true;
  }
  return { bytes: Buffer.concat(chunks), wireBytes, truncated: truncated || wireCut, codings };
}

/** One decoding step as an async iterable; an empty body stays empty (HEAD, 204, 304 carry none). */
async function* decodeWith(source: AsyncIterable<Buffer>, coding: string): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  if (first.done) return;
  const firstChunk = first.value;
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield firstChunk;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  const decoder = DECODERS[coding]!(firstChunk);
  // pipeline forwards an error of either side to the decoder, whose iteration then throws it.
  pipeline(Readable.from(rest()), decoder, () => undefined);
  try {
    for await (const chunk of decoder as AsyncIterable<Buffer>) yield chunk;
  } finally {
    decoder.destroy();
  }
}

function firstLine(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const text = (message ?? String(error)).split('\n')[0] ?? '';
  return code ? `${text} (${code})` : text;
}

/** The charset a Content-Type names (`text/html; charset="ISO-8859-1"` → `iso-8859-1`), if any. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  const label = (match?.[1] ?? match?.[2] ?? '').trim().toLowerCase();
  return label || undefined;
}

const BOMS: [bytes: number[], encoding: string][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

export interface DecodedText {
  text: string;
  /** The encoding used (WHATWG name, e.g. `utf-8`, `windows-1252`). */
  charset: string;
  /** Set when Content-Type named a charset this runtime does not know (utf-8 was used instead). */
  unknownCharset?: string;
}

/**
 * Bytes to text as browsers do (WHATWG Encoding): a BOM wins and is stripped, else the Content-Type
 * charset, else UTF-8 (RFC 8259 for JSON). Invalid sequences become U+FFFD; with `cut`, a character
 * split by the byte bound is dropped rather than turned into U+FFFD.
 */
export function decodeText(bytes: Buffer, contentType: string | undefined, cut = false): DecodedText {
  const bom = BOMS.find(([prefix]) => prefix.every((byte, index) => bytes[index] === byte));
  const label = bom?.[1] ?? charsetOf(contentType) ?? 'utf-8';
  let unknownCharset: string | undefined;
  const decoder = (() => {
    try {
      return new TextDecoder(label, { ignoreBOM: true });
    } catch {
      unknownCharset = label;
      return new TextDecoder('utf-8', { ignoreBOM: true });
    }
  })();
  const body = bom ? bytes.subarray(bom[0].length) : bytes;
  const text = decoder.decode(body, { stream: cut });
  return { text, charset: decoder.encoding, ...(unknownCharset ? { unknownCharset } : {}) };
}
