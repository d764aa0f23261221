// The message catalogue of what customers read (screens, receipts), per language, and the merchant's date format.

export const LANGUAGES = ['en', 'fr', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

const EN = {
  ready: 'Ready',
  scanToPay: 'Scan to pay',
  processing: 'Processing',
  pleaseWait: 'Please wait',
  approved: 'APPROVED',
  left: 'Left {amount}',
  alreadyPaid: 'Already paid',
  declined: 'DECLINED',
  outOfOrder: 'OUT OF ORDER',
  go: 'GO',
  fare: 'Fare {amount}',
  stop: 'STOP',
  alreadyValidated: 'ALREADY VALIDATED',
  goodTrip: 'Have a good trip',
  presentCode: 'Present your code',
  updateApplied: 'Update applied',
  date: 'Date',
  transaction: 'Transaction',
  reference: 'Reference',
  zReport: 'Z REPORT {date}',
  zTerminal: 'Terminal',
  zApproved: 'Approved ({count})',
  zDeclined: 'Declined ({count})',
  zVoids: 'Voids ({count})',
  zRefunds: 'Refunds ({count})',
  zNet: 'NET',
  zFirst: 'First #{index}',
  zLast: 'Last #{index}',
  zNothing: 'No transactions',
  amount: 'AMOUNT',
  balanceLeft: 'Offline balance left',
  signedReceipt: 'Signed receipt',
  reprint: '*** REPRINT ***',
  copy: '*** COPY ***',
  thankYou: 'Thank you',
  voidTitle: '*** VOID ***',
  refundTitle: '*** REFUND ***',
  originalTransaction: 'Original',
};
export type MessageKey = keyof typeof EN;

/** Short decline texts by reason code (protocol/reasons.ts has the English ones). */
type Reasons = Record<string, string>;

const FR: Record<MessageKey, string> = {
  ready: 'Prêt',
  scanToPay: 'Scannez pour payer',
  processing: 'Traitement',
  pleaseWait: 'Veuillez patienter',
  approved: 'ACCEPTÉ',
  left: 'Solde {amount}',
  alreadyPaid: 'Déjà payé',
  declined: 'REFUSÉ',
  outOfOrder: 'HORS SERVICE',
  go: 'PASSEZ',
  fare: 'Tarif {amount}',
  stop: 'ARRÊT',
  alreadyValidated: 'DÉJÀ VALIDÉ',
  goodTrip: 'Bon voyage',
  presentCode: 'Présentez votre code',
  updateApplied: 'Mise à jour appliquée',
  date: 'Date',
  transaction: 'Transaction',
  reference: 'Référence',
  zReport: 'RAPPORT Z {date}',
  zTerminal: 'Terminal',
  zApproved: 'Acceptés ({count})',
  zDeclined: 'Refusés ({count})',
  zVoids: 'Annulations ({count})',
  zRefunds: 'Remboursements ({count})',
  zNet: 'NET',
  zFirst: 'Premier n° {index}',
  zLast: 'Dernier n° {index}',
  zNothing: 'Aucune transaction',
  amount: 'MONTANT',
  balanceLeft: 'Solde hors ligne',
  signedReceipt: 'Reçu signé',
  reprint: '*** RÉIMPRESSION ***',
  copy: '*** COPIE ***',
  thankYou: 'Merci',
  voidTitle: '*** ANNULATION ***',
  refundTitle: '*** REMBOURSEMENT ***',
  originalTransaction: 'Origine',
};

const ES: Record<MessageKey, string> = {
  ready: 'Listo',
  scanToPay: 'Escanee para pagar',
  processing: 'Procesando',
  pleaseWait: 'Espere, por favor',
  approved: 'APROBADO',
  left: 'Saldo {amount}',
  alreadyPaid: 'Ya pagado',
  declined: 'RECHAZADO',
  outOfOrder: 'FUERA DE SERVICIO',
  go: 'ADELANTE',
  fare: 'Tarifa {amount}',
  stop: 'ALTO',
  alreadyValidated: 'YA VALIDADO',
  goodTrip: 'Buen viaje',
  presentCode: 'Presente su código',
  updateApplied: 'Actualización aplicada',
  date: 'Fecha',
  transaction: 'Transacción',
  reference: 'Referencia',
  zReport: 'INFORME Z {date}',
  zTerminal: 'Terminal',
  zApproved: 'Aprobados ({count})',
  zDeclined: 'Rechazados ({count})',
  zVoids: 'Anulaciones ({count})',
  zRefunds: 'Reembolsos ({count})',
  zNet: 'NETO',
  zFirst: 'Primero n.º {index}',
  zLast: 'Último n.º {index}',
  zNothing: 'Sin transacciones',
  amount: 'IMPORTE',
  balanceLeft: 'Saldo sin conexión',
  signedReceipt: 'Recibo firmado',
  reprint: '*** REIMPRESIÓN ***',
  copy: '*** COPIA ***',
  thankYou: 'Gracias',
  voidTitle: '*** ANULACIÓN ***',
  refundTitle: '*** REEMBOLSO ***',
  originalTransaction: 'Original',
};

const FR_REASONS: Reasons = {
  MALFORMED: 'Code illisible',
  TOO_LARGE: 'Code illisible',
  WRONG_TYPE: 'Mauvais type de code',
  UNSUPPORTED_VERSION: 'Mettez à jour le portefeuille',
  UNKNOWN_KEY: 'Émetteur inconnu',
  BAD_SIGNATURE: 'Signature invalide',
  CERT_EXPIRED: 'Carte expirée',
  CERT_NOT_YET_VALID: 'Carte pas encore valide',
  REVOKED: 'Carte bloquée',
  WRONG_CURRENCY: 'Mauvaise devise',
  OVER_PAYMENT_LIMIT: 'Plafond de paiement dépassé',
  OVER_OFFLINE_CAP: 'Plafond hors ligne atteint',
  SEQUENCE_REPLAY: 'Code déjà utilisé',
  CUMULATIVE_INCONSISTENT: 'Paiement invalide',
  WRONG_PAYEE: 'Mauvais terminal',
  WRONG_REQUEST: 'Scannez la nouvelle demande',
  PAYMENT_EXPIRED: 'Code expiré',
  AMOUNT_MISMATCH: 'Montant différent',
  CLOCK_UNTRUSTED: 'Horloge non fiable',
  STORAGE_FAILED: 'Erreur de stockage',
  TERMINAL_LIMIT: 'Limite hors ligne',
  TRUST_STALE: 'Terminal à mettre à jour',
  NO_FARE: 'Aucun tarif',
  NOT_READY: 'Pas prêt',
};

const ES_REASONS: Reasons = {
  MALFORMED: 'Código ilegible',
  TOO_LARGE: 'Código ilegible',
  WRONG_TYPE: 'Tipo de código incorrecto',
  UNSUPPORTED_VERSION: 'Actualice la billetera',
  UNKNOWN_KEY: 'Emisor desconocido',
  BAD_SIGNATURE: 'Firma no válida',
  CERT_EXPIRED: 'Tarjeta caducada',
  CERT_NOT_YET_VALID: 'Tarjeta aún no válida',
  REVOKED: 'Tarjeta bloqueada',
  WRONG_CURRENCY: 'Moneda incorrecta',
  OVER_PAYMENT_LIMIT: 'Supera el límite de pago',
  OVER_OFFLINE_CAP: 'Límite sin conexión agotado',
  SEQUENCE_REPLAY: 'Código ya usado',
  CUMULATIVE_INCONSISTENT: 'Pago no válido',
  WRONG_PAYEE: 'Terminal equivocado',
  WRONG_REQUEST: 'Escanee la nueva solicitud',
  PAYMENT_EXPIRED: 'Código caducado',
  AMOUNT_MISMATCH: 'Importe distinto',
  CLOCK_UNTRUSTED: 'Reloj no fiable',
  STORAGE_FAILED: 'Error de almacenamiento',
  TERMINAL_LIMIT: 'Límite sin conexión',
  TRUST_STALE: 'Terminal desactualizado',
  NO_FARE: 'Sin tarifa',
  NOT_READY: 'No está listo',
};

const CATALOGUE: Record<Language, { messages: Record<MessageKey, string>; reasons: Reasons }> = {
  en: { messages: EN, reasons: {} },
  fr: { messages: FR, reasons: FR_REASONS },
  es: { messages: ES, reasons: ES_REASONS },
};

export function isLanguage(v: unknown): v is Language {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
}

/** The message `key` in `lang` (English for an unknown language), with `{name}` placeholders filled. */
export function message(lang: string | undefined, key: MessageKey, vars: Record<string, string> = {}): string {
  const text = CATALOGUE[isLanguage(lang) ? lang : 'en'].messages[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);
}

/** The short decline text for reason `code` in `lang`; `english` (protocol/reasons.ts) when there is no translation. */
export function reasonText(lang: string | undefined, code: string, english: string): string {
  return (isLanguage(lang) ? CATALOGUE[lang].reasons[code] : undefined) ?? english;
}

/** True for an IANA time zone name ICU knows ("Europe/Paris", "UTC"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * `at` as the merchant reads a date: their language's order and separators, their time zone, the
 * zone's short name so a receipt is unambiguous. English prints ISO-like "2026-11-27 14:03:09 UTC", which
 * reads the same in every country.
 */
export function formatDateTime(at: number, lang = 'en', timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'sv-SE' : lang, {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  })
    .format(at)
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/\u2212/g, '-')
    .replace(', ', ' ');
}
