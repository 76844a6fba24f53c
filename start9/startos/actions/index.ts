import { sdk } from '../sdk'

/** No actions yet: settings are Till's own (its merchant UI and `till` CLI). */
export const actions = sdk.Actions.of()
