// Every workflow the worker runs. The worker bundles this file; keep it free of Node and I/O imports.
export {};
