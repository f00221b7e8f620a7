// The e2e fixture workspace for scripts outside the test runner (test/e2e/desktop.mjs).
export { e2eWorkspaceInto } from './fixtures';
