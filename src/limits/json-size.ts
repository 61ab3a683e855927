// Whether a parsed JSON value would take at most `max` bytes written out, without writing it:
// an iterative walk that stops as soon as the count passes `max`, so a huge or deeply nested
// value costs no more than a small one (JSON.stringify would copy it, or overflow the stack).

export function jsonFits (value: unknown, max: number): boolean {
  let size = 0
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v === 'string') size += v.length + 2
    else if (typeof v === 'number' || typeof v === 'boolean') size += String(v).length
    else if (v === null || v === undefined) size += 4
    else if (Array.isArray(v)) {
      size += 2 + v.length
      for (let i = 0; i < v.length && size <= max; i++) stack.push(v[i])
    } else if (typeof v === 'object') {
      size += 2
      for (const key in v) {
        size += key.length + 4
        if (size > max) break
        stack.push((v as Record<string, unknown>)[key])
      }
    }
    if (size > max) return false
  }
  return true
}
