import { Injectable } from '@nestjs/common';

/**
 * Where a graceful shutdown stands. `draining`: readiness is false so load balancers stop sending, but
 * requests are still served; `refusing`: new requests get 503 while accepted work finishes.
 */
@Injectable()
export class DrainState {
  draining = false;
  refusing = false;
}
