// Which merchant a merchant page is about: a merchant's own, or the one an operator picks (?merchant=), with the picker for operators.
import { useState, type FormEvent, type ReactNode } from 'react';
import { isOperator, useMe } from '../me.js';
import { navigate, useRoute } from '../router.js';

export function useMerchantScope(): { merchant: string; picker: ReactNode } {
  const me = useMe();
  const { path, params } = useRoute();
  const chosen = params.get('merchant') ?? '';
  const [draft, setDraft] = useState(chosen);
  if (!isOperator(me)) return { merchant: me.merchantId ?? '', picker: null };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = draft.trim();
    navigate(id ? `${path}?merchant=${encodeURIComponent(id)}` : path, true);
  };
  return {
    merchant: chosen,
    picker: (
      <form className="filters" onSubmit={submit} aria-label="Choose a merchant">
        <label>
          Merchant id
          <input name="merchant" value={draft} required onChange={(e) => setDraft(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Show
        </button>
      </form>
    ),
  };
}
