package alb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/awsarn"
)

// OwnerTagKey is the tag a switch puts on the listener or rule whose forward
// it owns. Its value is the switch's owner ID; a second switch finding another
// value refuses to write.
const OwnerTagKey = "bluegreen:switch"

// TagAPI is what ownership needs.
type TagAPI interface {
	DescribeTags(ctx context.Context, params *elbv2.DescribeTagsInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error)
	AddTags(ctx context.Context, params *elbv2.AddTagsInput, optFns ...func(*elbv2.Options)) (*elbv2.AddTagsOutput, error)
	RemoveTags(ctx context.Context, params *elbv2.RemoveTagsInput, optFns ...func(*elbv2.Options)) (*elbv2.RemoveTagsOutput, error)
}

// NewOwnerID returns a fresh owner ID (32 hex digits).
func NewOwnerID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// OwnedByOtherError says another switch owns the point.
type OwnedByOtherError struct {
	ARN, Owner, Want string
}

func (e *OwnedByOtherError) Error() string {
	return fmt.Sprintf("%s is owned by another switch (tag %s = %q; this switch is %q): two switches must never write one forward",
		e.ARN, OwnerTagKey, e.Owner, e.Want)
}

// ErrOwnedByOther matches *OwnedByOtherError with errors.Is.
var ErrOwnedByOther = errors.New("owned by another switch")

func (e *OwnedByOtherError) Is(target error) bool { return target == ErrOwnedByOther }

// Owner returns the owner ID tagged on arn ("" when none).
func Owner(ctx context.Context, api TagAPI, arn string) (string, error) {
	out, err := api.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		kind, code := "listener", "ListenerNotFound"
		if awsarn.IsListenerRule(arn) {
			kind, code = "rule", "RuleNotFound"
		}
		return "", wrapAPI("reading tags of", kind, arn, err, code)
	}
	for _, d := range out.TagDescriptions {
		for _, t := range d.Tags {
			if aws.ToString(t.Key) == OwnerTagKey {
				return aws.ToString(t.Value), nil
			}
		}
	}
	return "", nil
}

// CheckOwner fails with *OwnedByOtherError when arn is tagged with an owner
// other than id. An untagged arn passes.
func CheckOwner(ctx context.Context, api TagAPI, arn, id string) error {
	owner, err := Owner(ctx, api, arn)
	if err != nil {
		return err
	}
	if owner != "" && owner != id {
		return &OwnedByOtherError{ARN: arn, Owner: owner, Want: id}
	}
	return nil
}

// Claim tags arn with id unless another owner holds it, then reads the tag
// back: of two switches claiming at once, the one that reads another ID
// backs off.
func Claim(ctx context.Context, api TagAPI, arn, id string) error {
	if err := CheckOwner(ctx, api, arn, id); err != nil {
		return err
	}
	if _, err := api.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn},
		Tags: []types.Tag{{Key: aws.String(OwnerTagKey), Value: aws.String(id)}}}); err != nil {
		return fmt.Errorf("tagging %s with its owner: %w", arn, err)
	}
	return CheckOwner(ctx, api, arn, id)
}

// TakeOver tags arn with id whoever owned it (an explicit import), then
// reads the tag back.
func TakeOver(ctx context.Context, api TagAPI, arn, id string) error {
	if _, err := api.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn},
		Tags: []types.Tag{{Key: aws.String(OwnerTagKey), Value: aws.String(id)}}}); err != nil {
		return fmt.Errorf("tagging %s with its owner: %w", arn, err)
	}
	return CheckOwner(ctx, api, arn, id)
}

// Release removes the owner tag if it is still id's.
func Release(ctx context.Context, api TagAPI, arn, id string) error {
	owner, err := Owner(ctx, api, arn)
	if err != nil || owner != id {
		return err
	}
	_, err = api.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: []string{OwnerTagKey}})
	if err != nil {
		return fmt.Errorf("removing the owner tag of %s: %w", arn, err)
	}
	return nil
}
