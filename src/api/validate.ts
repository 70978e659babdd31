import { z } from 'zod';
import { badRequest } from '../errors';

export interface FieldIssue {
  path: string;
  message: string;
}

/** zod issues as `{ path: "visitor.firstName", message }`, the form API clients fix their input from. */
export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: i.message,
  }));
}

/** Parses request input or throws a 400 naming every invalid field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = fieldIssues(r.error, where === 'body' ? undefined : where);
  throw badRequest(`Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

export const uuidParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
