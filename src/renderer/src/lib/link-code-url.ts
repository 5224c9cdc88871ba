/**
 * Device link codes in addresses and on screen: the join link that carries one (`?link=`), the
 * code a page was opened with, and the code grouped for reading aloud.
 */
/** The query parameter of a join link that carries a link code. */
export const LINK_PARAMETER = 'link';

/** The web client's address at `serverUrl` with `code` in it: opening it fills the code in. */
export function linkJoinUrl(serverUrl: string, code: string): string {
  const url = new URL(serverUrl);
  url.pathname = '/';
  url.search = '';
  url.hash = '';
  url.searchParams.set(LINK_PARAMETER, code);
  return url.toString();
}

/** The link code a page was opened with (`?link=`), or '' when none. */
export function linkCodeFromLocation(search: string): string {
  const code = new URLSearchParams(search).get(LINK_PARAMETER) ?? '';
  return /^[A-Za-z0-9 -]{1,40}$/.test(code) ? code : '';
}

/** `7KQ4MZ2HXP` as people read it aloud: `7KQ4M Z2HXP`, in two groups. */
export function groupCode(code: string): string {
  return `${code.slice(0, 5)} ${code.slice(5)}`;
}
