import { sdk } from './sdk'
import { hostId, publicInterfaceId, tillPort, uiInterfaceId } from './utils'

/**
 * One host (its LAN and Tor addresses) on Till's port, two interfaces: the merchant UI
 * (`/admin`, Till's own login) and the public face — checkout pages, payment links and
 * the three APIs, which payers and shops reach and which check their own keys.
 */
export const setInterfaces = sdk.setupInterfaces(async ({ effects }) => {
  const origin = await sdk.MultiHost.of(effects, hostId).bindPort(tillPort, { protocol: 'http' })
  const ui = sdk.createInterface(effects, {
    name: 'Merchant UI',
    id: uiInterfaceId,
    description: 'Invoices, payment links, keys and settings, behind Till\'s own login.',
    type: 'ui',
    masked: false,
    schemeOverride: null,
    username: null,
    path: '/admin',
    query: {},
  })
  const pub = sdk.createInterface(effects, {
    name: 'Checkout and API',
    id: publicInterfaceId,
    description: 'Where payers pay (/i/…, /pay/…) and your shop calls the API (/api/v1, /api/checkout, BitPay\'s /invoices). Give this address to your shop.',
    type: 'api',
    masked: false,
    schemeOverride: null,
    username: null,
    path: '',
    query: {},
  })
  return [await origin.export([ui, pub])]
})
