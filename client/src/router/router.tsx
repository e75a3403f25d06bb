import { createContext, useContext, useEffect, useMemo, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';
import type { z } from 'zod';

// Not @tanstack/react-router: a dozen flat routes need no dependency, and zod-parsed search params (useSearchParam) type what pages read.

/**
 * A small history router: the view lives in the URL (path + query), so any view can be shared and
 * the back button works. Enough for a handful of pages without a dependency.
 */
interface Location {
  path: string;
  search: URLSearchParams;
}

const RouterContext = createContext<Location>({ path: '/', search: new URLSearchParams() });

function read(): Location {
  return { path: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  window.history[opts.replace ? 'replaceState' : 'pushState'](null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const onPop = () => setLocation(read());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return <RouterContext.Provider value={location}>{children}</RouterContext.Provider>;
}

export function useLocation(): Location {
  return useContext(RouterContext);
}

/** Matches `/queues/:name/jobs/:id` style patterns; returns the params or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return undefined;
  }
  return params;
}

type SetSearchParam<T> = (value: T | undefined, opts?: { replace?: boolean; reset?: string[] }) => void;

/** A query-string value parsed with the schema; the fallback when it is missing or does not parse. */
export function readSearchParam<T>(search: URLSearchParams, key: string, schema: z.ZodType<T>, fallback?: T): T | undefined {
  const raw = search.get(key);
  const parsed = raw === null ? undefined : schema.safeParse(raw);
  return parsed?.success ? parsed.data : fallback;
}

/**
 * A query-string value parsed with a shared zod schema, and a setter that keeps the rest of the query.
 * A missing or invalid value (an edited or outdated link) gives the fallback, or undefined without one
 * (an optional filter); setting the fallback or undefined drops the key from the URL.
 */
export function useSearchParam<T extends string | number>(key: string, schema: z.ZodType<T>, fallback: NoInfer<T>): [T, SetSearchParam<T>];
export function useSearchParam<T extends string | number>(key: string, schema: z.ZodType<T>): [T | undefined, SetSearchParam<T>];
export function useSearchParam<T extends string | number>(key: string, schema: z.ZodType<T>, fallback?: T): [T | undefined, SetSearchParam<T>] {
  const { path, search } = useLocation();
  const value = readSearchParam(search, key, schema, fallback);
  const set = useMemo(
    (): SetSearchParam<T> =>
      (next, opts = {}) => {
        const params = new URLSearchParams(window.location.search);
        const text = next === undefined ? '' : String(next);
        if (text === '' || (fallback !== undefined && text === String(fallback))) params.delete(key);
        else params.set(key, text);
        for (const r of opts.reset ?? []) params.delete(r);
        const qs = params.toString();
        navigate(`${path}${qs ? `?${qs}` : ''}`, { replace: opts.replace });
      },
    [key, fallback, path],
  );
  return [value, set];
}

export function Link({ to, children, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return (
    <a
      href={to}
      {...rest}
      onClick={(e) => {
        rest.onClick?.(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
