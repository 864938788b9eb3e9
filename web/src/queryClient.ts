import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/errors';

/** One cache for the app; cleared on sign-out so no org's data leaks to the next user. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // Live data arrives over the socket; refetching on every focus is noise.
      refetchOnWindowFocus: false,
      retry: (failures, err) => {
        // 4xx answers are decisions, not hiccups.
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) return false;
        return failures < 2;
      },
    },
    mutations: { retry: false },
  },
});
