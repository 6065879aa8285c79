// Polled payloads are stored as jsonb, which cannot hold two things JSON and JavaScript strings can:
// U+0000 (a NUL pasted from an e-mail into a description) and a lone UTF-16 surrogate (half an
// emoji, cut by the upstream). One such value in a record would fail its whole page, the run with
// it, and every later run too, since the cursor never passes that page: the stream would stop for
// good over one character. Such records are stored with U+FFFD in place of each such character
// instead, in values and keys alike (core/http/storable-input.ts refuses the same text in requests,
// where a person can send it again; a polled record has no one to send it again).
//
// Nearly every payload holds neither, so the check is one scan of the JSON text that is made
// anyway to hash the payload, and the payload is only walked (on a stack of its own, as a walk of
// input must be: recursion runs out of stack on deep nesting) when that text shows an escape.

// JSON.stringify writes both as escapes: NUL as \u0000, a lone surrogate as \ud800 to \udfff
// (lower-case hex). The pattern also matches a backslash followed by such text ("\\u0000" in the
// JSON), which only costs a walk that finds nothing to replace.
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/;

/** Whether JSON text, as JSON.stringify writes it, may hold a NUL or a lone surrogate. */
export function mayHoldUnstorableText(json: string): boolean {
  return UNSTORABLE_ESCAPE.test(json);
}

function storableString(text: string): string {
  return text.replaceAll('\u0000', '\ufffd').toWellFormed();
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

interface Slot {
  /** Where the copy goes: an array, or an object (keys defined, never assigned: `__proto__` is a key like any other). */
  into: unknown[] | Record<string, unknown>;
  key: string | number;
  value: unknown;
}

function put(into: Slot['into'], key: string | number, value: unknown): void {
  Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The payload with every NUL and lone surrogate in its strings and object keys replaced by U+FFFD,
 * or the payload itself when it holds none. Arrays and plain objects are copied; other values are
 * kept as they are. When two keys of one object become the same, the later one wins, as in JSON.
 */
export function storablePayload<T>(payload: T): T {
  const root: { value?: unknown } = {};
  let changed = false;
  const pending: Slot[] = [{ into: root as Record<string, unknown>, key: 'value', value: payload }];
  while (pending.length > 0) {
    const { into, key, value } = pending.pop()!;
    if (typeof value === 'string') {
      const storable = storableString(value);
      if (storable !== value) changed = true;
      put(into, key, storable);
    } else if (Array.isArray(value)) {
      const copy: unknown[] = new Array(value.length);
      put(into, key, copy);
      for (let index = 0; index < value.length; index++) pending.push({ into: copy, key: index, value: value[index] });
    } else if (value !== null && typeof value === 'object' && isPlainObject(value)) {
      const copy: Record<string, unknown> = {};
      put(into, key, copy);
      // Keys in their order, each defined here and its value filled in when its turn comes.
      const entries = new Map<string, unknown>();
      for (const [name, inner] of Object.entries(value)) {
        const storable = storableString(name);
        if (storable !== name) changed = true;
        entries.set(storable, inner);
      }
      for (const [name, inner] of entries) {
        put(copy, name, undefined);
        pending.push({ into: copy, key: name, value: inner });
      }
    } else {
      put(into, key, value);
    }
  }
  return changed ? (root.value as T) : payload;
}
