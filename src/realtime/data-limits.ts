// Limits on the data a backend or a client hands to the gateway for delivery. Socket.IO's parser
// and the cluster adapter's encoder walk a payload recursively: data nested deeper than the call
// stack allows throws a RangeError while it is being broadcast (with Redis, in a promise nobody
// awaits, which ends the process). So depth is measured first, without recursion, and bounded.

export interface DataLimits {
  /** Deepest nesting of arrays and objects (a scalar is depth 0, `[]` and `{}` depth 1). */
  maxDepth: number
  /** Most bytes of the data as JSON (UTF-8). */
  maxBytes: number
}

export type DataProblem =
  | { rule: 'depth', depth: number, max: number }
  | { rule: 'size', bytes: number, max: number }

/**
 * The first limit `data` breaks, or undefined. Stops walking at the first level past the limit,
 * so a hostile payload costs at most `maxDepth` levels of work beyond its parse. `depth` in the
 * answer is then a lower bound (maxDepth + 1).
 */
export function dataProblem (data: unknown, limits: DataLimits): DataProblem | undefined {
  const depth = depthUpTo(data, limits.maxDepth + 1)
  if (depth > limits.maxDepth) return { rule: 'depth', depth, max: limits.maxDepth }
  // Safe now that the depth is bounded; JSON.parse made the data, so it stringifies back.
  const bytes = data === undefined ? 0 : Buffer.byteLength(JSON.stringify(data) ?? '')
  if (bytes > limits.maxBytes) return { rule: 'size', bytes, max: limits.maxBytes }
  return undefined
}

/** Nesting depth of `value`, counted with an explicit stack; stops once it reaches `cap`. */
export function depthUpTo (value: unknown, cap: number): number {
  if (typeof value !== 'object' || value === null) return 0
  let deepest = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > deepest) deepest = depth
    if (deepest >= cap) return deepest
    const children = Array.isArray(node) ? node : Object.values(node as object)
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return deepest
}

/** The refusal's sentence: which rule, the value found, the limit and the setting that sets it. */
export function describeDataProblem (where: string, p: DataProblem): string {
  return p.rule === 'depth'
    ? `${where} is nested more than ${p.max} levels deep; expected at most ${p.max} levels of arrays and objects (PUBLISH_DATA_MAX_DEPTH)`
    : `${where} is ${p.bytes} bytes as JSON; expected at most ${p.max} bytes (PUBLISH_DATA_MAX_BYTES)`
}
