package marketplace.connection;

import common.CborSerializable;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import marketplace.ShopConnectionStatus;
import marketplace.connection.ConnectionEvents.Connected;
import marketplace.connection.ConnectionEvents.Deauthorised;
import marketplace.connection.ConnectionEvents.Disconnected;
import marketplace.connection.ConnectionEvents.Event;
import marketplace.connection.ConnectionEvents.ExpiryAnnounced;
import marketplace.connection.ConnectionEvents.RefreshDeferred;
import marketplace.connection.ConnectionEvents.RefreshRefused;
import marketplace.connection.ConnectionEvents.RefreshStarted;
import marketplace.connection.ConnectionEvents.Refreshed;
import marketplace.connection.ConnectionEvents.SealedGrant;

/** A shop connection's phases, one type each; every event is applied by the state it arrives in. */
sealed interface ConnectionState extends CborSerializable {

  String NEW = "new";

  ConnectionState apply(Event event);

  ShopConnectionStatus status(Channel channel, String shopId, Instant now, Duration expiringSoon);

  /** Never connected, or no longer: de-authorised, disconnected, or its refresh refused (expired). */
  record Unconnected(String state, String reason, Instant since, SealedGrant last, Instant lastRefreshAt,
      String lastRefreshOutcome, Instant authorisationExpiresAt, String source) implements ConnectionState {

    static Unconnected initial() {
      return new Unconnected(NEW, null, null, null, null, null, null, null);
    }

    boolean neverConnected() {
      return state.equals(NEW);
    }

    @Override
    public ConnectionState apply(Event event) {
      if (event instanceof Connected c) return Linked.from(c);
      if (event instanceof Deauthorised d) {
        return new Unconnected(ShopConnectionStatus.DEAUTHORISED, d.reason(), d.at(), last, lastRefreshAt,
            lastRefreshOutcome, authorisationExpiresAt, source);
      }
      if (event instanceof Disconnected d) {
        return new Unconnected(ShopConnectionStatus.DISCONNECTED, "disconnected by " + d.actor(), d.at(), last,
            lastRefreshAt, lastRefreshOutcome, authorisationExpiresAt, source);
      }
      if (event instanceof ExpiryAnnounced x) {
        return new Unconnected(state, reason, since, last, lastRefreshAt, lastRefreshOutcome,
            x.authorisationExpiresAt(), source);
      }
      return this;
    }

    @Override
    public ShopConnectionStatus status(Channel channel, String shopId, Instant now, Duration expiringSoon) {
      String shown = neverConnected() ? ShopConnectionStatus.DISCONNECTED : state;
      return new ShopConnectionStatus(channel, shopId, shown, last == null ? null : last.shopCipher(),
          last == null ? null : last.region(), last == null ? null : last.shopName(), null, null,
          authorisationExpiresAt, lastRefreshAt, lastRefreshOutcome, neverConnected() ? "never connected" : reason,
          source, now);
    }
  }

  /** Connected: its tokens usable (a refresh ahead of expiry, or after a refused token, moves it to Refreshing). */
  record Linked(SealedGrant grant, String source, String configFingerprint, Instant since, Instant lastRefreshAt,
      String lastRefreshOutcome, Instant authorisationExpiresAt) implements ConnectionState {

    static Linked from(Connected c) {
      return new Linked(c.grant(), c.source(), c.configFingerprint(), c.at(), null, null, null);
    }

    Linked refreshed(SealedGrant next, Instant at) {
      return new Linked(next, source, configFingerprint, since, at, "ok", authorisationExpiresAt);
    }

    Linked outcome(String code, Instant at) {
      return new Linked(grant, source, configFingerprint, since, at, code, authorisationExpiresAt);
    }

    Linked expiresAt(Instant authorisationEnd) {
      return new Linked(grant, source, configFingerprint, since, lastRefreshAt, lastRefreshOutcome, authorisationEnd);
    }

    /** The grant without its tokens: what an unconnected shop still shows (cipher, region, name). */
    SealedGrant withoutTokens() {
      return new SealedGrant(null, null, grant.issuedAt(), grant.accessExpiresAt(), grant.refreshExpiresAt(),
          grant.shopCipher(), grant.region(), grant.shopName());
    }

    Unconnected ended(String state, String reason, Instant at, String outcome) {
      return new Unconnected(state, reason, at, withoutTokens(), outcome == null ? lastRefreshAt : at,
          outcome == null ? lastRefreshOutcome : outcome, authorisationExpiresAt, source);
    }

    @Override
    public ConnectionState apply(Event event) {
      if (event instanceof Connected c) return from(c);
      if (event instanceof RefreshStarted r) return new Refreshing(this, r.rejected(), r.at());
      if (event instanceof ExpiryAnnounced x) return expiresAt(x.authorisationExpiresAt());
      if (event instanceof Deauthorised d) return ended(ShopConnectionStatus.DEAUTHORISED, d.reason(), d.at(), null);
      if (event instanceof Disconnected d) {
        return ended(ShopConnectionStatus.DISCONNECTED, "disconnected by " + d.actor(), d.at(), null);
      }
      if (event instanceof RefreshRefused r) {
        return ended(ShopConnectionStatus.EXPIRED, r.code() + ": " + r.message(), r.at(), r.code());
      }
      return this;
    }

    @Override
    public ShopConnectionStatus status(Channel channel, String shopId, Instant now, Duration expiringSoon) {
      return status(channel, shopId, now, expiringSoon, ShopConnectionStatus.CONNECTED);
    }

    ShopConnectionStatus status(Channel channel, String shopId, Instant now, Duration expiringSoon, String base) {
      Instant end = authorisationExpiresAt != null ? authorisationExpiresAt
          : channel == Channel.TIKTOK ? grant.refreshExpiresAt() : null; // TikTok's refresh token ends with the authorisation
      String state = base;
      if (end != null && end.isAfter(Instant.EPOCH) && now.isAfter(end)) state = ShopConnectionStatus.EXPIRED;
      else if (end != null && end.isAfter(Instant.EPOCH) && now.plus(expiringSoon).isAfter(end)
          && base.equals(ShopConnectionStatus.CONNECTED)) state = ShopConnectionStatus.EXPIRING_SOON;
      return new ShopConnectionStatus(channel, shopId, state, grant.shopCipher(), grant.region(), grant.shopName(),
          grant.accessExpiresAt(), grant.refreshExpiresAt(), end, lastRefreshAt, lastRefreshOutcome, null, source, now);
    }
  }

  /** A refresh is underway (or, after a crash, its outcome unknown and the refresh to be sent again). */
  record Refreshing(Linked base, boolean rejected, Instant since) implements ConnectionState {
    @Override
    public ConnectionState apply(Event event) {
      if (event instanceof Refreshed r) return base.refreshed(r.grant(), r.at());
      if (event instanceof RefreshDeferred d) return new Refreshing(base.outcome(d.code(), d.at()), rejected, since);
      if (event instanceof RefreshStarted r) return new Refreshing(base, rejected || r.rejected(), since);
      if (event instanceof ExpiryAnnounced x) {
        return new Refreshing(base.expiresAt(x.authorisationExpiresAt()), rejected, since);
      }
      return base.apply(event);
    }

    @Override
    public ShopConnectionStatus status(Channel channel, String shopId, Instant now, Duration expiringSoon) {
      return base.status(channel, shopId, now, expiringSoon, ShopConnectionStatus.REFRESHING);
    }
  }
}
