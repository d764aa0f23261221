// A calendar day in an IANA time zone: the one definition lives in #common (the terminal's Z-report uses it too).
export { dayRange, type DayRange } from '#common';
