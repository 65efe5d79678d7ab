-- Key revocation details (issue #5). revoked_at and revocation_reason exist since 0001.
-- compromised_since: for reason 'compromised', the time from which nothing signed by the key is
-- trusted; NULL with 'compromised' means nothing the key ever signed is trusted.
ALTER TABLE keys ADD COLUMN compromised_since BIGINT;
