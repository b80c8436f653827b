/**
 * Retransmission timeout from round-trip samples, RFC 6298 section 2: SRTT and RTTVAR with
 * alpha = 1/8 and beta = 1/4, RTO = SRTT + max(G, 4 * RTTVAR) clamped to [minRto, maxRto].
 * Samples come from packets, which are never retransmitted as such, so Karn's ambiguity cannot
 * arise.
 * @internal
 */
export class RttEstimator {
  /** Smoothed RTT in ms (0 before the first sample). */
  srtt = 0;
  /** RTT variation in ms. */
  rttvar = 0;
  /** Current retransmission timeout in ms. */
  rto: number;
  private hasSample = false;

  constructor(
    initialRto: number,
    private readonly minRto: number,
    private readonly maxRto: number,
    /** Clock granularity G in ms. */
    private readonly granularity = 1,
  ) {
    this.rto = clamp(initialRto, minRto, maxRto);
  }

  /** Feeds one RTT measurement in ms. */
  sample(r: number): void {
    if (!this.hasSample) {
      this.srtt = r;
      this.rttvar = r / 2;
      this.hasSample = true;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = clamp(this.srtt + Math.max(this.granularity, 4 * this.rttvar), this.minRto, this.maxRto);
  }

  /** Timeout before the next retransmission of something already sent `sends` times (backoff). */
  backoff(sends: number): number {
    return Math.min(this.maxRto, this.rto * 2 ** Math.min(sends - 1, 16));
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
