/**
 * A small strict shape checker for cache entries, in place of zod on the
 * read path: zod costs a tenth of a second to load and about 40 ms per
 * megabyte to check, which a warm run paid on every entry. The subset here
 * is what cache-schema.ts needs, with two differences from zod that matter:
 *
 * - it never strips: the value returned is the value given (zod dropped keys
 *   a schema did not name, and a warm run once lost facts a cold run had);
 * - objects are strict: a key the schema does not name fails the check, so
 *   a schema that falls behind the type shows up as invalid entries (and a
 *   failing test), never as silently missing facts.
 */

/** The first problem found, as a path and a reason; null when the value has the shape. */
type Check = (v: unknown) => string | null;

export type SafeParse<T> = { success: true; data: T } | { success: false; error: string };

export class Shape<T> {
  /** The type a value of this shape has (for `Infer`). */
  declare readonly _type: T;
  constructor(readonly check: Check) {}

  safeParse(v: unknown): SafeParse<T> {
    const error = this.check(v);
    return error === null ? { success: true, data: v as T } : { success: false, error };
  }

  parse(v: unknown): T {
    const error = this.check(v);
    if (error !== null) throw new Error(`not the expected shape: ${error}`);
    return v as T;
  }

  optional(): Shape<T | undefined> {
    return new Shape((v) => (v === undefined ? null : this.check(v)));
  }

  nullable(): Shape<T | null> {
    return new Shape((v) => (v === null ? null : this.check(v)));
  }
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

type Fields = Record<string, Shape<unknown>>;
type ObjectOf<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

const at = (key: string | number, inner: string): string => `${typeof key === 'number' ? `[${key}]` : `.${key}`}${inner.startsWith('[') || inner.startsWith('.') || inner.startsWith(':') ? '' : ': '}${inner}`;

export class ObjectShape<F extends Fields> extends Shape<ObjectOf<F>> {
  constructor(readonly fields: F) {
    const entries = Object.entries(fields);
    super((v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return ': not an object';
      const o = v as Record<string, unknown>;
      for (const [k, s] of entries) {
        const e = s.check(o[k]);
        if (e !== null) return at(k, e);
      }
      // A key set to undefined is no key in JSON: only keys with a value must be named.
      for (const k in o) if (!Object.hasOwn(fields, k) && o[k] !== undefined) return at(k, 'a key the schema does not name');
      return null;
    });
  }

  extend<G extends Fields>(more: G): ObjectShape<Omit<F, keyof G> & G> {
    return new ObjectShape({ ...this.fields, ...more } as Omit<F, keyof G> & G);
  }
}

const leaf = <T>(ok: (v: unknown) => boolean, what: string): Shape<T> => new Shape<T>((v) => (ok(v) ? null : `: not ${what}`));

export class NumberShape extends Shape<number> {
  constructor(private readonly isInt = false, private readonly min = -Infinity) {
    super((v) => (typeof v === 'number' && Number.isFinite(v) && (!isInt || Number.isInteger(v)) && v >= min ? null : `: not ${isInt ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}`));
  }
  int(): NumberShape {
    return new NumberShape(true, this.min);
  }
  nonnegative(): NumberShape {
    return new NumberShape(this.isInt, 0);
  }
}

export const s = {
  string: (): Shape<string> => leaf((v) => typeof v === 'string', 'a string'),
  boolean: (): Shape<boolean> => leaf((v) => typeof v === 'boolean', 'a boolean'),
  number: (): NumberShape => new NumberShape(),
  null: (): Shape<null> => leaf((v) => v === null, 'null'),
  unknown: (): Shape<unknown> => new Shape(() => null),
  literal: <L extends string | number | boolean>(l: L): Shape<L> => leaf((v) => v === l, JSON.stringify(l)),
  enum: <const E extends readonly string[]>(values: E): Shape<E[number]> => {
    const set = new Set<unknown>(values);
    return leaf((v) => set.has(v), `one of ${values.join(', ')}`);
  },
  object: <F extends Fields>(fields: F): ObjectShape<F> => new ObjectShape(fields),
  array: <T>(item: Shape<T>): Shape<T[]> =>
    new Shape((v) => {
      if (!Array.isArray(v)) return ': not an array';
      for (let i = 0; i < v.length; i++) {
        const e = item.check(v[i]);
        if (e !== null) return at(i, e);
      }
      return null;
    }),
  tuple: <A, B>(a: Shape<A>, b: Shape<B>): Shape<[A, B]> =>
    new Shape((v) => {
      if (!Array.isArray(v) || v.length !== 2) return ': not a pair';
      const e = a.check(v[0]) ?? b.check(v[1]);
      return e === null ? null : at(a.check(v[0]) === null ? 1 : 0, e);
    }),
  record: <T>(value: Shape<T>): Shape<Record<string, T>> =>
    new Shape((v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return ': not an object';
      for (const [k, x] of Object.entries(v)) {
        const e = value.check(x);
        if (e !== null) return at(k, e);
      }
      return null;
    }),
  /**
   * Any value JSON carries faithfully: null, booleans, finite numbers, strings, arrays
   * and plain objects of them (a property set to undefined is absent either way). A Map,
   * a Set, a class instance, NaN or a hole is refused: it would come back changed.
   */
  json: <T>(): Shape<T> => new Shape<T>(jsonProblem),
  union: <T>(...options: Shape<T>[]): Shape<T> =>
    new Shape((v) => {
      const errors: string[] = [];
      for (const o of options) {
        const e = o.check(v);
        if (e === null) return null;
        errors.push(e);
      }
      return `: none of ${options.length} shapes (${errors.join('; ')})`;
    }),
};

function jsonProblem(v: unknown): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : ': not a finite number';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const e = v[i] === undefined ? ': undefined in an array' : jsonProblem(v[i]);
      if (e !== null) return at(i, e);
    }
    return null;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return ': not a plain object';
    for (const [k, x] of Object.entries(v)) {
      const e = x === undefined ? null : jsonProblem(x);
      if (e !== null) return at(k, e);
    }
    return null;
  }
  return `: a ${typeof v}, not JSON`;
}
