// A labelled form for one API action: fields, submit, its waiting state, its error in words and its result.
import { useState, type FormEvent, type ReactNode } from 'react';
import { newIdempotencyKey } from '../api/client.js';
import { useAction } from './hooks.js';
import { ErrorBox } from './ui.js';

export interface Field {
  name: string;
  label: string;
  type?: 'text' | 'number' | 'date' | 'select' | 'textarea';
  options?: string[];
  required?: boolean;
  placeholder?: string;
  initial?: string;
  hint?: string;
}

export function ActionForm({
  title,
  fields,
  submit,
  action,
  onDone,
  describe,
}: {
  title: string;
  fields: Field[];
  submit: string;
  /**
   * Returns what happened, or throws (the error is shown in words). `idempotencyKey` stays the same
   * while the user retries the same request (after a failure or a lost answer) and changes with any
   * edit and after a success, so a retry moves money once and a new request is a new one.
   */
  action: (values: Record<string, string>, idempotencyKey: string) => Promise<unknown>;
  onDone?: () => void;
  describe?: (result: unknown) => string;
}): ReactNode {
  const initial = Object.fromEntries(fields.map((f) => [f.name, f.initial ?? (f.type === 'select' ? (f.options?.[0] ?? '') : '')]));
  const [values, setValuesOnly] = useState<Record<string, string>>(initial);
  const [key, setKey] = useState(newIdempotencyKey);
  const setValues = (v: Record<string, string>) => {
    setValuesOnly(v);
    setKey(newIdempotencyKey());
  };
  const a = useAction(action);
  const [message, setMessage] = useState<string>();
  const go = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(undefined);
    const r = await a.run(values, key);
    if (r !== undefined) {
      setMessage(describe ? describe(r) : 'Done.');
      setValues(initial);
      onDone?.();
    }
  };
  const id = (n: string) => `${title.replace(/\W+/g, '-').toLowerCase()}-${n}`;
  return (
    <form className="action" onSubmit={go} aria-label={title}>
      <h2>{title}</h2>
      {fields.map((f) => (
        <div className="field" key={f.name}>
          <label htmlFor={id(f.name)}>{f.label}</label>
          {f.type === 'select' ? (
            <select id={id(f.name)} name={f.name} value={values[f.name]} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
              {f.options?.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          ) : f.type === 'textarea' ? (
            <textarea id={id(f.name)} name={f.name} required={f.required} value={values[f.name]} placeholder={f.placeholder} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
          ) : (
            <input id={id(f.name)} name={f.name} type={f.type ?? 'text'} required={f.required} value={values[f.name]} placeholder={f.placeholder} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
          )}
          {f.hint ? <small>{f.hint}</small> : null}
        </div>
      ))}
      <button type="submit" className="primary" disabled={a.busy}>
        {a.busy ? 'Working…' : submit}
      </button>
      <ErrorBox error={a.error} />
      {message ? <p role="status" className="ok-text">{message}</p> : null}
    </form>
  );
}
