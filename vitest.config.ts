import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // They run beside the integration stack on 2 cores: a browser or ffmpeg step that takes 1.6 s alone
          // took over 5 s (vitest's default) in CI. A timeout here guards against hangs, not speed (that is make bench).
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One native stack for every integration file: started once, torn down at the end.
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
