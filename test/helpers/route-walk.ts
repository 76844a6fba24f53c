/**
 * What the route-walking tests of each dialect share: the routes a router declares (read
 * from its stack, so a route added later is walked too) and the spellings of a path that
 * a router or a proxy might take for the same resource.
 */
import type Router from '@koa/router';

export interface Route {
  method: string;
  path: string;
}

/** Every method and path of `router`, its parameters filled by `param`. */
export function routesOf(router: Router<any>, param: (name: string) => string): Route[] {
  const routes: Route[] = [];
  for (const layer of router.stack) {
    if (layer.methods.length === 0 || typeof layer.path !== 'string') continue;
    const path = layer.path.replace(/:(\w+)/g, (_m, name: string) => param(name));
    for (const method of layer.methods) routes.push({ method, path });
  }
  return routes;
}

export const mixed = (s: string) => [...s].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
export const invert = (s: string) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');

/** Other spellings of `path` under `mount` (e.g. /api/v1), each with and without a trailing slash. */
export function spellings(path: string, mount: string): string[] {
  const segs = path.split('/');
  const last = segs.at(-1)!;
  const encodedFirst = `%${last.charCodeAt(0).toString(16)}${last.slice(1)}`;
  const mountLast = mount.split('/').at(-1)!;
  const mountParent = mount.slice(0, mount.length - mountLast.length - 1);
  const encodedMount = `${mountParent}/${[...mountLast].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`;
  const out = [
    path.toUpperCase(), path.toLowerCase(), mixed(path), invert(path),
    path.replace(mount, mount.toUpperCase()), path.replace(mount, mixed(mount)), path.replace(mount, `${mountParent}/${mountLast.toUpperCase()}`),
    `${path}//`, `/${path}`, path.replace(mount, `${mountParent}//${mountLast}`), path.replace(`${mount}/`, `${mount}//`),
    [...segs.slice(0, -1), encodedFirst].join('/'),
    path.replace(mount, encodedMount), path.replace(`${mount}/`, `${mount}%2F`),
    path.replace(mount, `${mount}/.`), path.replace(mount, `${mountParent}/x/../${mountLast}`),
  ];
  return [...new Set(out.flatMap((p) => [p, `${p}/`]))].filter((p) => p !== path && p !== `${path}/`);
}
