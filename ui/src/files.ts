/** A file the user picked, as base64 without its `data:` prefix (uploads through the command table). */
export function readAsBase64(file: File): Promise<string> {
  return new Promise((ok, fail) => {
    const r = new FileReader()
    r.onload = () => ok(String(r.result).replace(/^data:[^,]*,/, ''))
    r.onerror = () => fail(new Error('无法读取所选文件'))
    r.readAsDataURL(file)
  })
}
