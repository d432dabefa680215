package dev.spamcheck.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CampaignIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {"+12025550123", "+1 202 555 0123", "+1 (202) 555-0123", "+44 20 7946 0958", "+4915112345678",
            "(202) 555-0123", "(202)555-0123", "202-555-0123", "202.555.0123", "1-202-555-0123", "1 (202) 555 0123",
            "202 555 0123", "202\u00a0555\u00a00123", "202\u2013555\u20130123", " 202-555-0123 ",
            "tel:+12025550123", "+12025550123;ext=5", "+1 202 555 0123 x5", "Tel +12025550123", "spring +1 202-555-0123",
            "Tel+12025550123", "contact_+14155550123", "lead-+12025550123"})
    void aPhoneNumberIsNotRecordedAsACampaignNorQuotedInTheRefusal(String campaignId) {
        assertThat(CampaignIds.whyNotRecordable(campaignId))
                .startsWith("campaign_id must not be a phone number")
                .doesNotContain("555");
    }

    @ParameterizedTest
    @ValueSource(strings = {"spring-2026", "2025550123", "12025550123", " 2025550123", "1234567", "2026-12-06",
            "2026-12-06-01", "2026.12.06.01", "2026-12-06 10", "(2026) 1206-01", "2026-12-06-0123", "c-202-555-0123",
            "0c6e9a2e-5f1b-4c55-9a11-2b3c4d5e6f70", "+1", "+1234567", "+ spring", "Q4 2026 (US) 555",
            "promo+2026", "a+1234567b", "+1234567890123456789", "promo+20261206", "spring+2026-12-06",
            "2.1.0+20261206", "q_+20261206"})
    void otherIdsIncludingPlainDigitStringsAndDatesAreRecorded(String campaignId) {
        assertThat(CampaignIds.whyNotRecordable(campaignId)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+12025550123", "(202) 555-0123"})
    void anIdRecordedBeforeTheRuleCanStillBeAskedAbout(String campaignId) {
        assertThat(CampaignIds.whyInvalid(campaignId)).isNull();
    }

    @org.junit.jupiter.api.Test
    void itsLengthIsCountedInCharactersNotUtf16Units() {
        String emoji = "\uD83D\uDE00";
        assertThat(CampaignIds.whyInvalid(emoji.repeat(CampaignIds.MAX_LENGTH))).isNull();
        assertThat(CampaignIds.whyInvalid(emoji.repeat(CampaignIds.MAX_LENGTH + 1))).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "c\u0000", "c\u0085", "promo\ud800", "\udc00promo", "a\ude00\ud83d"})
    void blankIdsControlCharactersAndHalvesOfSurrogatePairsAreInvalidEverywhere(String campaignId) {
        assertThat(CampaignIds.whyInvalid(campaignId)).isNotNull();
        assertThat(CampaignIds.whyNotRecordable(campaignId)).isEqualTo(CampaignIds.whyInvalid(campaignId));
    }
}
