import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The Python server serves dist/ at "/" with an SPA fallback; in development
// Vite proxies the API to a locally running `formwork serve`.
export default defineConfig({
  plugins: [react()],
  base: "/",
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
    },
  },
  build: {
    // antd is most of the bundle and changes far less often than the app: its own chunk caches well.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            {
              name: "react",
              priority: 2,
              test: /node_modules[\\/](react|react-dom|react-router|react-router-dom|scheduler)[\\/]/,
            },
            { name: "antd", priority: 1, test: /node_modules[\\/](antd|@ant-design|@rc-component|rc-[\w-]+)[\\/]/ },
          ],
        },
      },
    },
  },
});
