import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

interface Health {
  status: string;
  redis: string;
  workers: Record<string, boolean> | string;
  activeJobs: number;
}

/** Until the console lands: the system's health, read from /healthz. */
function App() {
  const [health, setHealth] = useState<Health | { error: string }>();
  useEffect(() => {
    fetch('/healthz')
      .then((r) => r.json() as Promise<Health>)
      .then(setHealth, (e: Error) => setHealth({ error: e.message }));
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui', padding: 24 }}>
      <h1>BizInsights Jobs</h1>
      <pre>{health ? JSON.stringify(health, null, 2) : 'Loading…'}</pre>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
