// Who is signed in, for pages that scope what they ask by role or merchant.
import { createContext, useContext } from 'react';
import type { Me } from './api/types.js';

export const MeContext = createContext<Me>({ sub: '', roles: [], merchantId: null, accountId: null });
export const useMe = (): Me => useContext(MeContext);
export const isOperator = (me: Me): boolean => me.roles.includes('operator');
