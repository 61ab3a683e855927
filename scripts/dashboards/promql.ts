// PromQL fragments shared by the dashboards: selectors that apply the template variables, rates
// over Grafana's $__rate_interval, and histogram quantiles.

/** Label filters of the dashboards' template variables. */
export const INSTANCE = 'instance=~"$instance"'
export const NAMESPACE = 'namespace=~"$namespace"'
export const EVENT = 'event=~"$event"'

/** `metric{filters}`; filters default to the instance variable. */
export const sel = (metric: string, ...filters: string[]): string =>
  `${metric}{${(filters.length > 0 ? filters : [INSTANCE]).join(', ')}}`

export const rate = (selector: string): string => `rate(${selector}[$__rate_interval])`

/** `sum by (labels) (rate(selector))`; no labels: one total. */
export const sumRate = (by: string, selector: string): string =>
  by === '' ? `sum(${rate(selector)})` : `sum by (${by}) (${rate(selector)})`

/**
 * The q-quantile of a histogram's `_bucket` series, aggregated by `by` (plus `le`), only where the
 * histogram had observations in the interval: an idle series is no data, not NaN.
 */
export const quantile = (q: number, by: string, bucketSelector: string): string => {
  const observed = sumRate(by, bucketSelector.replace(/_bucket(?=\{|$)/, '_count'))
  return `histogram_quantile(${q}, sum by (${by === '' ? 'le' : `${by}, le`}) (${rate(bucketSelector)})) and on (${by}) (${observed} > 0)`
}

/** p50, p95 and p99 targets of one histogram, legends prefixed by the percentile. */
export const percentiles = (by: string, bucketSelector: string, legend = ''): Array<{ expr: string, legend: string }> =>
  [0.5, 0.95, 0.99].map((q) => ({
    expr: quantile(q, by, bucketSelector),
    legend: `p${Math.round(q * 100)}${legend === '' ? '' : ' ' + legend}`
  }))
