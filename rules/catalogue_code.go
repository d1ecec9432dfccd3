package rules

// codeRules say what a code the user typed turned out to be: the verdicts
// of testcode's Issuer, for the wizard's test codes and for what a user
// reports in a ticket.
var codeRules = []Rule{
	{
		ID: CodeOK, Severity: OK, Audience: Recipient, RFC: "RFC 4226 §7.2",
		Summary:    "The user typed the newest test code correctly and in time.",
		UserAdvice: "Your email works: the code arrived and you typed it correctly. On the sign-in page, ask for one code, wait for it, and type the newest one.",
		AgentAdvice: "Email delivery to this user works end to end: they received our test code and typed it right. " +
			"If real sign-in codes still fail, look at the sign-in flow itself (an older code typed, a new sign-in page opened, the session timing out) rather than at mail delivery.",
	},
	{
		ID: CodeEarlier, Severity: Warn, Audience: Recipient, RFC: "RFC 4226 §7.2",
		Summary:    "The user typed an earlier code: only the newest one works.",
		UserAdvice: "You typed an older code. Each new code makes the earlier ones stop working, so delete the older emails and type only the newest code.",
		AgentAdvice: "The user typed a code from an earlier message of the same session (which one is in the detail). This is the most common cause of \"the code doesn't work\": " +
			"ask them to delete older code emails, request one new code, and wait for it before typing.",
	},
	{
		ID: CodeExpired, Severity: Warn, Audience: Recipient, RFC: "RFC 4226 §7.2",
		Summary:    "The user typed the right code after it had expired.",
		UserAdvice: "That code had expired. Codes only work for a few minutes, so ask for a new code when you're ready to type it straight away.",
		AgentAdvice: "The newest code was typed correctly but after its lifetime. Either the user was slow, or the code arrived late: compare the send's acceptance time with the seed latency for the provider. " +
			"If mail is slow at their provider, tell them to wait for the code instead of asking for another.",
	},
	{
		ID: CodeNearMiss, Severity: Warn, Audience: Recipient, RFC: "RFC 4226 §7.2",
		Summary:    "The user typed the newest code with a slip: a wrong, missing or swapped digit.",
		UserAdvice: "You typed almost the right code, but a digit is wrong or two are swapped. Check each digit, or copy and paste the code from the email.",
		AgentAdvice: "The typed code differs from the newest code by one slip (the detail says which). Delivery works; suggest copying and pasting the code, " +
			"and check whether the email client or a screen reader breaks the code into pieces.",
	},
	{
		ID: CodeOtherSession, Severity: Warn, Audience: Recipient, RFC: "RFC 4226 §7.2",
		Summary:     "The user typed a code that was sent for another sign-in attempt.",
		UserAdvice:  "That code was for another sign-in attempt, such as another browser tab or device. Use the code sent for the sign-in page in front of you.",
		AgentAdvice: "The code belongs to another session for the same address (another tab, device or retry). Ask the user to close other sign-in pages, start one sign-in, and use the code sent for it.",
	},
	{
		ID: CodeUnknown, Severity: Info, Audience: Recipient,
		Summary:    "The typed code is none we sent to this address recently.",
		UserAdvice: "We didn't send that code to this address recently. If it came in a message you didn't expect, don't share it with anyone.",
		AgentAdvice: "Nothing we sent to this address recently matches. The user may be reading a code from another service, an SMS or an app, or a message that is not ours (phishing). " +
			"Ask where the code came from; if they did not ask for codes, treat it as a possible account-takeover attempt.",
	},
	{
		ID: CodeTooManyAttempts, Severity: Warn, Audience: Recipient,
		Summary:     "The newest code was tried too many times and is refused.",
		UserAdvice:  "You have tried that code too many times, so it no longer works. Ask for a new code and type it carefully.",
		AgentAdvice: "The user hit the attempt limit on the newest code (brute-force protection). A new code is needed; repeated retries may also trigger the sign-in system's own lockout, so ask them to wait before retrying.",
	},
}

// authAppRules say what the authenticator-app test found: the code the
// user's app showed for a throwaway enrolment, against our clock.
var authAppRules = []Rule{
	{
		ID: AuthAppOK, Severity: OK, Audience: Recipient, RFC: "RFC 6238 §5.2",
		Summary:    "The user's authenticator app and phone clock work.",
		UserAdvice: "Your authenticator app works and your phone's clock is right. If sign-in still fails, the app may hold a different account, or an old entry from before you reinstalled it or changed phone.",
		AgentAdvice: "The app produced the right code for our test enrolment within the RFC 6238 window, so the app and the phone's clock work. The likely cause is the enrolment: " +
			"the user is reading a code from another account entry, or the entry was lost when the app was reinstalled or the phone replaced. Reset their second factor after verifying their identity.",
	},
	{
		ID: AuthAppSkew, Severity: Fail, Audience: Recipient, RFC: "RFC 6238 §6",
		Summary:    "The user's phone clock is wrong, so their app's codes don't match.",
		UserAdvice: "Your phone's clock is wrong, so the codes your app shows are for another moment. Turn on automatic date and time in your phone's settings, then try a new code.",
		AgentAdvice: "The code matched our test secret at a time step away from now: the phone's clock is off by the amount in the detail (known to ±30 s). " +
			"Codes more than one step away are refused by most servers. Ask the user to turn on automatic date and time (network time); no reset is needed.",
	},
	{
		ID: AuthAppTimezone, Severity: Fail, Audience: Recipient, RFC: "RFC 6238 §6",
		Summary:    "The user's phone is set to the wrong time zone, so its clock is hours off.",
		UserAdvice: "Your phone's time zone is set wrong, so its clock is hours off and your app's codes don't match. Turn on automatic time zone in your phone's settings, then try a new code.",
		AgentAdvice: "The code matched a whole number of hours away (the detail says how many): the phone shows local time in the wrong zone, so its UTC clock is off. " +
			"Ask the user to turn on automatic date, time and time zone.",
	},
	{
		ID: AuthAppWrong, Severity: Warn, Audience: Recipient, RFC: "RFC 6238 §4",
		Summary:     "The code from the user's app matches our test enrolment at no time within a day.",
		UserAdvice:  "That code doesn't match the test account at any time. Check that you scanned the test code on this page and typed the code shown under \"codeprobe test\", not another account's.",
		AgentAdvice: "The typed code matches the throwaway secret nowhere within ±24 h: the user read another account's code, mistyped it, or did not scan the test QR code. Ask them to try again with the test entry.",
	},
}

// phoneRules say what kind of number codes are being texted to.
var phoneRules = []Rule{
	{
		ID: PhoneInvalid, Severity: Fail, Audience: Recipient,
		Summary:     "The phone number is not a valid number.",
		UserAdvice:  "That isn't a valid phone number, so no text message can reach it. Check the number, and include your country code if it isn't the one selected.",
		AgentAdvice: "The number fails libphonenumber's validation for its region (the detail says why: too short, too long, unknown country code). Ask the user for the number in international form (+ and country code).",
	},
	{
		ID: PhoneVOIP, Severity: Fail, Audience: Recipient,
		Summary:     "The number is a VOIP number, which many services can't text codes to.",
		UserAdvice:  "Your number is an internet phone (VOIP) number. VOIP numbers can't receive sign-in codes from many services. Use a mobile number from a mobile network, or another way to sign in.",
		AgentAdvice: "The number is in a VOIP range. SMS aggregators and many sign-in systems refuse or silently drop VOIP destinations (fraud rules). Offer another factor (authenticator app, email) or ask for a mobile number.",
	},
	{
		ID: PhoneLandline, Severity: Fail, Audience: Recipient,
		Summary:     "The number is a landline, which can't receive text messages.",
		UserAdvice:  "Your number looks like a landline. Landlines can't receive text messages. Use a mobile number, or another way to sign in.",
		AgentAdvice: "The number is in a fixed-line range. Text messages to landlines are dropped or, with some carriers, read out by a voice service. Ask for a mobile number or offer another factor.",
	},
	{
		ID: PhoneMobile, Severity: OK, Audience: Recipient,
		Summary:     "The number is a valid mobile number.",
		UserAdvice:  "This is a mobile number, so it can receive codes. If they don't arrive, check that unknown senders aren't blocked, that your message inbox isn't full, and whether you're abroad or roaming.",
		AgentAdvice: "The number is a valid mobile number in the region named in the detail. Remaining causes are on the phone or the network: blocked unknown or short-code senders, a full SMS inbox, roaming, a carrier our SMS provider does not reach, or our own rate limits.",
	},
	{
		ID: PhoneUnknown, Severity: Info, Audience: Recipient,
		Summary:     "The number is valid, but its type can't be told from the number alone.",
		UserAdvice:  "Your number is valid, but we can't tell whether it is a mobile. If it is a landline, it can't receive text messages.",
		AgentAdvice: "In some regions (the United States, Canada) mobile and fixed numbers share ranges, so the type is not in the number. Ask the user whether it is a mobile; a carrier look-up would tell.",
	},
}
