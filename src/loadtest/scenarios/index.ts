// Every scenario `socketgate loadtest --scenario NAME` knows. Adding one is a line here (see
// src/loadtest/scenario.ts for what a scenario module exports).
import type { AnyScenario } from '../scenario.js'
import chat from './chat.js'
import delivery from './delivery.js'
import echo from './echo.js'
import idle from './idle.js'
import publish from './publish.js'

export const SCENARIOS: Record<string, AnyScenario> = { chat, delivery, echo, idle, publish }
