package sourceauth_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
)

// A Standard Webhooks sender signs a message with Sign; the ingest verifies
// it with the Verifier that New builds from the source's configuration.
func ExampleSign() {
	whsec := secret.New("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	id, sent := "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)

	// Sender side.
	sig, err := sourceauth.Sign(whsec, id, sent, body)
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest("POST", "/v1/webhooks/hr", bytes.NewReader(body))
	req.Header.Set(sourceauth.HeaderWebhookID, id)
	req.Header.Set(sourceauth.HeaderWebhookTimestamp, strconv.FormatInt(sent.Unix(), 10))
	req.Header.Set(sourceauth.HeaderWebhookSignature, sig)
	fmt.Println(sig)

	// Ingest side; the fixed clock stands in for time.Now.
	v, err := sourceauth.New(sourceauth.Config{
		Scheme:  sourceauth.SchemeStandardWebhooks,
		Secrets: []secret.Secret{whsec},
		Now:     func() time.Time { return sent.Add(30 * time.Second) },
	})
	if err != nil {
		panic(err)
	}
	deliveryID, err := v.Verify(req, body)
	fmt.Println(deliveryID, err)

	// The same request replayed ten minutes later is refused.
	late, _ := sourceauth.New(sourceauth.Config{
		Scheme:  sourceauth.SchemeStandardWebhooks,
		Secrets: []secret.Secret{whsec},
		Now:     func() time.Time { return sent.Add(10 * time.Minute) },
	})
	_, err = late.Verify(req, body)
	fmt.Println(errors.Is(err, sourceauth.ErrTimestampTooOld))
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// msg_p5jXN8AQM9LWM0D4loKWxJek <nil>
	// true
}
