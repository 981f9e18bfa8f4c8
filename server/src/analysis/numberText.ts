// Numbers as the messages, hovers and reports write them.

/**
 * An integer written as toLocaleString('en-US') writes it ("1,234,567"), without going through
 * Intl: its first use in a process costs tens of milliseconds (60 ms measured on a loaded
 * 2-core machine), more than the whole cost model, and a first analysis or hover would pay it.
 * Other values (fractions, beyond 2^53) are left to toLocaleString.
 */
export function groupedThousands(value: number): string {
  if (!Number.isSafeInteger(value)) return value.toLocaleString('en-US');
  const digits = String(Math.abs(value));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return value < 0 ? `-${out}` : out;
}
