/** The caller's public IPv4 address, to open SSH to it alone. Undefined when it cannot be learned. */
export type AddressLookup = () => Promise<string | undefined>;

export const checkIpLookup: AddressLookup = async () => {
  try {
    const res = await fetch("https://checkip.amazonaws.com/", { signal: AbortSignal.timeout(4000) });
    const text = (await res.text()).trim();
    return res.ok && /^\d{1,3}(\.\d{1,3}){3}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
};
