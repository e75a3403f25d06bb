/** What the e2e server is started with and the specs sign in with. */
export const E2E = {
  adminPassword: 'e2e-admin-password',
  viewerPassword: 'e2e-viewer-password',
  apiToken: 'e2e-api-token',
};
