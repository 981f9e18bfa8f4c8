import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeTable } from '../../server/src/analysis/typeTable';
import { summarize } from './summarizeText';

async function table(...texts: string[]): Promise<TypeTable> {
  const summaries = await Promise.all(texts.map((t, i) => summarize(t, `f${i}.c`)));
  return TypeTable.build(summaries);
}

test('LP64 scalar sizes: C keywords, stdint, kernel and socket types', async () => {
  const t = TypeTable.build([]);
  const sizes: [string, number][] = [
    ['char', 1], ['signed char', 1], ['unsigned char', 1], ['short', 2], ['unsigned short int', 2],
    ['int', 4], ['unsigned', 4], ['long', 8], ['unsigned long', 8], ['long long', 8], ['long unsigned int', 8],
    ['float', 4], ['double', 8], ['long double', 16], ['_Bool', 1], ['bool', 1],
    ['int8_t', 1], ['uint16_t', 2], ['int32_t', 4], ['uint64_t', 8], ['size_t', 8], ['ssize_t', 8],
    ['uintptr_t', 8], ['ptrdiff_t', 8], ['off_t', 8], ['__u8', 1], ['__u16', 2], ['__u32', 4], ['__u64', 8],
    ['__be16', 2], ['__be32', 4], ['socklen_t', 4], ['in_addr_t', 4], ['in_port_t', 2],
    ['struct sockaddr_in', 16], ['struct sockaddr_in6', 28], ['struct sockaddr_storage', 128], ['struct in_addr', 4],
    ['const volatile unsigned int', 4],
  ];
  assert.deepEqual(sizes.map(([type]) => [type, t.sizeOf(type)]), sizes);
  assert.equal(t.alignOf('long double'), 16);
  assert.equal(t.alignOf('struct sockaddr_in6'), 4);
});

test('pointers are 8 bytes; arrays multiply, also multi-dimensional and of pointers', async () => {
  const t = TypeTable.build([]);
  assert.equal(t.sizeOf('char *'), 8);
  assert.equal(t.sizeOf('struct unknown_thing *'), 8);
  assert.equal(t.sizeOf('int (*)(int, char *)'), 8);
  assert.equal(t.sizeOf('uint8_t [16]'), 16);
  assert.equal(t.sizeOf('int [3][4]'), 48);
  assert.equal(t.sizeOf('char *[4]'), 32);
  assert.equal(t.sizeOf('char (*)[100]'), 8);
  assert.equal(t.alignOf('uint16_t [5]'), 2);
});

test('unknown types, VLAs and functions have no size rather than a guess', async () => {
  const t = TypeTable.build([]);
  assert.equal(t.sizeOf('struct unknown_thing'), undefined);
  assert.equal(t.sizeOf('my_handle_t'), undefined);
  assert.equal(t.sizeOf('char [n]'), undefined);
  assert.equal(t.sizeOf('char []'), undefined);
  assert.equal(t.sizeOf('int (int)'), undefined);
  assert.equal(t.sizeOf('void'), undefined);
  assert.equal(t.sizeOf(''), undefined);
  assert.equal(t.sizeOf('}{ garbage )('), undefined);
  assert.equal(t.sizeOf('struct unknown_thing [4]'), undefined);
});

test('struct layout with padding, nesting, unions and arrays of structs', async () => {
  const t = await table(`
struct padded { char a; int b; char c; };
struct tight { int b; char a; char c; };
struct outer { char tag; struct padded inner; double d; };
union value { char bytes[5]; int i; short s; };
struct with_union { char kind; union value v; };
struct entry { long key; char name[3]; };
struct table { struct entry entries[10]; int count; };
struct node { struct node *next; char payload[7]; };
`);
  assert.equal(t.sizeOf('struct padded'), 12);
  assert.equal(t.alignOf('struct padded'), 4);
  assert.equal(t.sizeOf('struct tight'), 8);
  assert.equal(t.sizeOf('struct outer'), 24);
  assert.equal(t.sizeOf('union value'), 8);
  assert.equal(t.sizeOf('struct with_union'), 12);
  assert.equal(t.sizeOf('struct entry'), 16);
  assert.equal(t.sizeOf('struct entry [4]'), 64);
  assert.equal(t.sizeOf('struct table'), 168);
  assert.equal(t.sizeOf('struct node'), 16);
  assert.deepEqual(
    t.fieldLayouts('struct padded')?.map((f) => [f.name, f.offset]),
    [['a', 0], ['b', 4], ['c', 8]],
  );
});

test('typedef chains, typedefs of anonymous structs, anonymous members and enums', async () => {
  const t = await table(`
typedef unsigned int u32_t;
typedef u32_t counter_t;
typedef counter_t counters_t[8];
typedef struct { char a; short b; union { int i; char c[6]; }; } anon_t;
typedef anon_t *anon_p;
enum color { RED, GREEN };
typedef enum color color_t;
enum wide { BIG = 0x100000000 };
struct tagged { enum color c; char x; };
`);
  assert.equal(t.sizeOf('counter_t'), 4);
  assert.equal(t.sizeOf('counters_t'), 32);
  assert.equal(t.sizeOf('const counter_t [2]'), 8);
  assert.equal(t.sizeOf('anon_t'), 12);
  assert.equal(t.sizeOf('anon_p'), 8);
  assert.equal(t.sizeOf('enum color'), 4);
  assert.equal(t.sizeOf('color_t'), 4);
  assert.equal(t.sizeOf('enum wide'), 8);
  assert.equal(t.sizeOf('struct tagged'), 8);
  assert.equal(t.recordOf('anon_t')?.kind, 'struct');
});

test('array lengths from #define, enum constants, sizeof and arithmetic, across files', async () => {
  const t = await table(
    `#define BUF 64
#define HALF (BUF / 2)
enum { SLOTS = 3, MORE };`,
    `struct msg { char b[BUF*2]; char h[HALF]; int s[SLOTS + 1]; char z[sizeof(struct sockaddr_in) << 1]; };
struct msg2 { long l[MORE]; char q[1 - 2 + (3 * 4) % 5]; };`,
  );
  assert.equal(t.sizeOf('char [BUF*2]'), 128);
  assert.equal(t.sizeOf('char [BUF * 2]'), 128);
  assert.equal(t.sizeOf('struct msg'), 128 + 32 + 16 + 32);
  assert.equal(t.sizeOf('struct msg2'), 32 + 8);
  assert.equal(t.constantValue('HALF'), 32);
  assert.equal(t.constantValue('MORE'), 4);
  assert.equal(t.constantValue('NOPE'), undefined);
});

test('bit-fields share storage units; packed structs have no padding; flexible arrays take no space', async () => {
  const t = await table(`
struct flags { unsigned a : 3; unsigned b : 5; unsigned c : 30; };
struct mixed { char tag; unsigned short kind : 4, len : 12; int x; };
struct __attribute__((packed)) wire { char a; int b; short c; };
struct hdr { int len; char data[]; };
`);
  assert.equal(t.sizeOf('struct flags'), 8);
  assert.equal(t.sizeOf('struct mixed'), 8);
  assert.equal(t.sizeOf('struct wire'), 7);
  assert.equal(t.alignOf('struct wire'), 1);
  assert.equal(t.sizeOf('struct hdr'), 4);
});

test('self-referential and mutually recursive definitions do not loop', async () => {
  const t = await table(`
struct loop { struct loop inner; };
typedef a_t b_t;
typedef b_t a_t;
#define SELF (SELF + 1)
#define PING PONG
#define PONG PING
`);
  assert.equal(t.sizeOf('struct loop'), undefined);
  assert.equal(t.sizeOf('a_t'), undefined);
  assert.equal(t.constantValue('SELF'), undefined);
  assert.equal(t.constantValue('PING'), undefined);
});

test('evaluate: integer constant expressions without eval()', async () => {
  const t = await table('#define KB 1024\n#define MASK 0xff\nenum { TWO = 2 };\ntypedef unsigned char byte;');
  const cases: [string, number | undefined][] = [
    ['1 + 2 * 3', 7], ['(1 + 2) * 3', 9], ['KB * 4', 4096], ['1 << 10', 1024], ['MASK & 0x0f', 15],
    ['-7 / 2', -3], ['7 % 3', 1], ['10 - TWO - 3', 5], ['~0', -1], ['!0 + !5', 1], ['TWO > 1 ? 10 : 20', 10],
    ['sizeof(int) * 8', 32], ['sizeof(struct sockaddr_in6)', 28], ['(int)5', 5], ['(unsigned char)300', 44],
    ['(byte)257', 1], ["'A' + 1", 66], ['0x10u', 16], ['010', 8], ['100UL', 100], ['1 << 40', 2 ** 40],
    ['1 / 0', undefined], ['x + 1', undefined], ['1.5 * 2', undefined], ['foo(1)', undefined],
    ['sizeof x', undefined], ['', undefined], ['1 +', undefined], ['(1', undefined], ['process.exit(1)', undefined],
  ];
  assert.deepEqual(cases.map(([expr]) => [expr, t.evaluate(expr)]), cases);
});

test('standard type names keep their ABI size even if a file typedefs them oddly', async () => {
  const t = await table('typedef struct opaque uint32_t;\ntypedef mystery_t long;\ntypedef uint32_t my_u32;');
  assert.equal(t.sizeOf('uint32_t'), 4);
  assert.equal(t.sizeOf('long'), 8);
  assert.equal(t.sizeOf('my_u32'), 4);
});

test('the first definition of a name wins when files disagree', async () => {
  const t = await table('#define N 4\nstruct s { char c[N]; };', '#define N 8\nstruct s { long l[N]; };');
  assert.equal(t.constantValue('N'), 4);
  assert.equal(t.sizeOf('struct s'), 4);
});

test('locals of a summarised function can be sized through the table', async () => {
  const text = `#define BUF 64
struct req { int fd; char method[8]; };
int serve(int fd) { char b[BUF*2]; struct req r; struct sockaddr_in addr; int n; char v[n]; return 0; }
`;
  const summary = await summarize(text);
  const t = TypeTable.build([summary]);
  const sizes = summary.functions[0].locals.map((l) => [l.name, t.sizeOf(l.typeText)]);
  assert.deepEqual(sizes, [['b', 128], ['r', 12], ['addr', 16], ['n', 4], ['v', undefined]]);
});
