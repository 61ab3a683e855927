// Text exposition in either format from one registry. prom-client renders OpenMetrics from a
// registry of that content type and, while doing so, renames every counter it holds in place
// (strips `_total`), which would corrupt the Prometheus output of a shared registry. So
// OpenMetrics goes through a throwaway registry of thin views that own the renamed name.
import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client'

export const OPENMETRICS = Registry.OPENMETRICS_CONTENT_TYPE
export const PROMETHEUS = Registry.PROMETHEUS_CONTENT_TYPE

interface Source { name: string, type: unknown, help: string, get: () => Promise<{ name: string }> }

export async function renderOpenMetrics (registry: Registry): Promise<string> {
  const view = new Registry<OpenMetricsContentType>()
  view.setContentType(OPENMETRICS)
  for (const metric of registry.getMetricsAsArray() as unknown as Source[]) {
    const proxy = {
      name: metric.name,
      type: metric.type,
      help: metric.help,
      get: async () => ({ ...(await metric.get()), name: proxy.name })
    }
    view.registerMetric(proxy as unknown as Metric)
  }
  return view.metrics()
}

/** Whether an Accept header asks for OpenMetrics (Prometheus sends it first when it can parse it). */
export const wantsOpenMetrics = (accept: string | undefined): boolean =>
  accept !== undefined && accept.includes('application/openmetrics-text')
