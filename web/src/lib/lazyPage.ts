import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

export type LazyPage = LazyExoticComponent<ComponentType> & {
  /** Loads the page's chunk; once it is in, the page renders without suspending. */
  preload(): Promise<void>;
};

/**
 * React.lazy for a route's page, with a `preload()`. A plain lazy component
 * always suspends on its first render, even when its chunk is already in
 * the browser's cache: the fallback paints, then one more commit and frame
 * follow before the page shows. Once preloaded, this one hands React the
 * module through a thenable that resolves synchronously, so the page
 * renders in the same pass. main.tsx preloads the first page before the
 * first render (its chunk is already downloading, see routePreload.ts).
 */
export function lazyPage(load: () => Promise<{ default: ComponentType }>): LazyPage {
  let loaded: { default: ComponentType } | null = null;
  let loading: Promise<void> | null = null;
  const preload = () =>
    (loading ??= load().then(
      (m) => {
        loaded = m;
      },
      (err) => {
        loading = null;
        throw err;
      },
    ));
  const Page = lazy(() => {
    const m = loaded;
    if (m) {
      // Resolves during then(): React reads the module without suspending.
      return { then: (resolve: (v: { default: ComponentType }) => void) => resolve(m) } as unknown as Promise<{ default: ComponentType }>;
    }
    return preload().then(() => loaded!);
  });
  return Object.assign(Page, { preload });
}
