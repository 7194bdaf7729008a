/** Pre-blanking keeps offsets and lines, blanks what derails tree-sitter, and keeps what it parses. */
import { describe, expect, it } from '@jest/globals';
import { blankForParse, extractLockAnnotations, preprocess } from '../../analyzers/c/preprocess.js';
import { fixtureSource } from './fixture.js';

/** Line breaks at the same offsets, same length. */
function expectSameShape(source: string, text: string): void {
  expect(text.length).toBe(source.length);
  const breaks = (s: string): number[] => [...s.matchAll(/\r?\n/g)].map((m) => m.index ?? -1);
  expect(breaks(text)).toEqual(breaks(source));
}

describe('blankForParse', () => {
  it('keeps length and line breaks for every fixture', () => {
    for (const name of ['annotations.c', 'ifdef-expression.c', 'macro-blocks.c', 'error-region.c', 'types.c', 'structs.h']) {
      const source = fixtureSource(name);
      expectSameShape(source, blankForParse(source));
    }
    const crlf = 'static int a(void) __must_hold(x)\r\n{\r\n#ifdef X\r\n\treturn 1;\r\n#endif\r\n}\r\n';
    expectSameShape(crlf, blankForParse(crlf));
  });

  it('blanks sparse and attribute annotations, with their balanced arguments', () => {
    const text = blankForParse('static __always_inline int __init f(void __user *p) __must_hold(&a->b[(i)]) __printf(1, 2);');
    expect(text.replace(/\s+/g, ' ')).toBe('static int f(void *p) ;');
  });

  it('leaves comments, strings and #define lines alone', () => {
    const source = '/* __user */ const char *s = "__must_hold(x)";\n#define NOTE __user __acquires(x)\n';
    expect(blankForParse(source)).toBe(source);
  });

  it('blanks a #define comment that tree-sitter would end the macro at', () => {
    const source = '#define PAIR(n)\t\\\n\t/* first */\t\\\n\t{ n, n }\n';
    expect(blankForParse(source)).toBe('#define PAIR(n)\t\\\n\t           \t\\\n\t{ n, n }\n');
  });

  it('blanks conditional directives with continuations and multi-line comments, keeping both branches', () => {
    const source = '#if defined(A) && \\\n    defined(B)\nint a;\n#elif C /* two\n lines */\nint b;\n#else\nint c;\n#endif\n';
    expect(blankForParse(source).replace(/\s+/g, ' ').trim()).toBe('int a; int b; int c;');
  });

  it('keeps only the first branch when every branch opens the same block, and drops #if 0', () => {
    const source = fixtureSource('ifdef-expression.c');
    const text = blankForParse(source);
    expect(text).toContain('if (vcpu->fast && vcpu->ready) {');
    expect(text).not.toContain('if (vcpu->ready) {');
    expect(text).not.toContain('demo_dead');
    expect(text).toContain('a * 2,'); // balanced branches both stay
    expect(text).toContain('\t\t\t   a,');
  });

  it('turns a GNU case range into a plain label', () => {
    expect(blankForParse('case A ... B:').replace(/\s+/g, ' ')).toBe('case A :');
    expect(blankForParse("case 'a':")).toBe("case 'a':");
  });

  it('rewrites loop and scope macros to while, keeping their names aside', () => {
    const source = 'void f(void)\n{\n\tscoped_guard(mutex, &vm->lock) {\n\t\tx();\n\t}\n\tguard(mutex)(&vm->lock);\n\tfoo(a);\n}\n';
    const prep = preprocess(source);
    expect(prep.text).toContain('\twhile       (mutex, &vm->lock) {');
    expect(prep.text).toContain('guard(mutex)(&vm->lock);');
    expect(prep.macroLoops).toEqual([{ offset: source.indexOf('scoped_guard'), name: 'scoped_guard' }]);
  });

  it('makes types passed to macros plain identifiers', () => {
    const text = blankForParse('void f(void)\n{\n\tp = container_of(x, struct demo_vm, link);\n\tn = min_t(unsigned long, a, b);\n\ts = sizeof(struct demo_vm);\n}\n');
    expect(text).toContain('container_of(x,        demo_vm, link)');
    expect(text).toContain('min_t(unsigned_long, a, b)');
    expect(text).toContain('sizeof(struct demo_vm)');
    const prototype = 'int demo_hook(struct demo_vm *, int);\n';
    expect(blankForParse(prototype)).toBe(prototype); // file scope: a parameter list, not macro arguments
  });

  it('blanks a bare macro line at file scope but not a split function header', () => {
    const source = 'int a;\nDEMO_HELPERS(read)\nDEMO_HELPERS(write)\n\nstatic int\ndemo(int x)\n{\n\treturn x;\n}\n';
    const text = blankForParse(source);
    expect(text).not.toContain('DEMO_HELPERS');
    expect(text).toContain('demo(int x)');
  });
});

describe('lock annotations', () => {
  it('reports each annotation with its argument as written', () => {
    const prep = preprocess(fixtureSource('annotations.c'));
    expect(prep.annotations.map(({ kind, expr, conditional }) => [kind, expr, conditional ?? false])).toEqual([
      ['acquires', '&p->outer', false],
      ['acquires', 'p->inner_lock', false],
      ['releases', '&p->outer', false],
      ['releases', 'p->inner_lock', false],
      ['must_hold', '&vm->slots[(idx)].lock', false],
      ['acquires', '&vm->lock', true],
    ]);
  });

  it('extractLockAnnotations reads a range of the source', () => {
    const source = 'void a(void) __releases(x)\n{\n}\nvoid b(struct s *s)\n\t__acquires(&s->lock)\n{\n}\n';
    const start = source.indexOf('void b');
    expect(extractLockAnnotations(source, start, source.length)).toEqual([{ kind: 'acquires', expr: '&s->lock' }]);
  });
});
