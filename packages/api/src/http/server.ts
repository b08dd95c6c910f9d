/**
 * Listening, and nothing else: `listen(app, host, port)` binds the built app and returns the address a person
 * or a test can open (`http://127.0.0.1:PORT`). Port 0 picks a free one.
 */
import type { FastifyInstance } from "fastify";

export const listen = async (app: FastifyInstance, host: string, port: number): Promise<string> => {
  await app.listen({ host, port });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error(`unexpected server address ${address}`);
  const h = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${h}:${address.port}`;
};
