import QRCode from "qrcode";

export type QrFormat = "png" | "svg";

/** Error correction M survives a scuffed print or a cracked screen and keeps the code small. */
const OPTIONS = { errorCorrectionLevel: "M", margin: 2 } as const;

export async function renderQr(text: string, format: QrFormat): Promise<Buffer | string> {
  return format === "svg"
    ? QRCode.toString(text, { ...OPTIONS, type: "svg" })
    : QRCode.toBuffer(text, { ...OPTIONS, type: "png", width: 360 });
}

/** `?format=` wins; otherwise an Accept header asking for SVG gets SVG; PNG by default. */
export function chooseQrFormat(query: QrFormat | undefined, accept: string | undefined): QrFormat {
  if (query) return query;
  return accept?.includes("image/svg+xml") && !accept.includes("image/png") ? "svg" : "png";
}
