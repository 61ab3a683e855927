// Selectors every section of the overview shares.
import { INSTANCE, NAMESPACE } from '../promql.js'

/** Label filters of the instance and namespace variables. */
export const IN = [INSTANCE, NAMESPACE] as const
/** A recorded heartbeat percentile (monitoring/rules/recording.yml). */
export const HEARTBEAT_P = (q: string): string => `instance:socketgate_heartbeat_rtt_seconds:histogram_quantile{quantile="${q}", ${INSTANCE}}`
