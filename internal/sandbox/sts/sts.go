// Package sts is the sandbox's STS: GetCallerIdentity (credential checks)
// and AssumeRole (the provider's assume_role block), over awsQuery
// (Version=2011-06-15). Whatever credentials a client signs with, the caller
// is the sandbox's IAM user; AssumeRole validates its parameters as AWS does
// and returns credentials the sandbox accepts.
package sts

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/awserr"
)

// The sandbox's caller identity: whatever credentials the client signs
// with, STS says they belong to this IAM user.
const (
	sandboxUserName = "sandbox"
	sandboxUserID   = "AIDASANDBOXUSER000001"
)

// APIVersion is the awsQuery Version of STS.
const APIVersion = "2011-06-15"

// XMLNS is the namespace of STS responses.
const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// Service answers the STS operations for one account.
type Service struct {
	AccountID string
	Now       func() time.Time // expiry of the credentials AssumeRole returns
}

// Serve implements the STS operations a provider needs against the sandbox:
// GetCallerIdentity and AssumeRole, both over awsQuery.
func (s Service) Serve(action string, params url.Values, requestID string) ([]byte, *awserr.Error) {
	switch action {
	case "GetCallerIdentity":
		return marshalSTS(getCallerIdentityResponse{
			XMLNS: XMLNS,
			Result: callerIdentity{
				Arn:     "arn:aws:iam::" + s.AccountID + ":user/" + sandboxUserName,
				UserID:  sandboxUserID,
				Account: s.AccountID,
			},
			Metadata: responseMetadata{RequestID: requestID},
		})
	case "AssumeRole":
		return s.assumeRole(params, requestID)
	}
	return nil, awserr.Sender(http.StatusBadRequest, "InvalidAction",
		"Could not find operation %s for version %s", action, APIVersion)
}

func (s Service) assumeRole(params url.Values, requestID string) ([]byte, *awserr.Error) {
	roleARN, session := params.Get("RoleArn"), params.Get("RoleSessionName")
	if roleARN == "" {
		return nil, awserr.Validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if session == "" {
		return nil, awserr.Validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	if len(session) < 2 || len(session) > 64 {
		return nil, awserr.Validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64", session)
	}
	// arn:aws:iam::123456789012:role/path/name
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return nil, awserr.Validation("%s is invalid", roleARN)
	}
	duration := 3600
	if d := params.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			return nil, awserr.Validation("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", d)
		}
		duration = n
	}
	roleName := parts[5][strings.LastIndex(parts[5], "/")+1:]
	roleID := "AROASANDBOXROLE00001"
	return marshalSTS(assumeRoleResponse{
		XMLNS: XMLNS,
		Result: assumeRoleResult{
			Credentials: stsCredentials{
				AccessKeyID:     "ASIASANDBOX" + strings.ToUpper(requestID[:8]),
				SecretAccessKey: "sandbox-secret-" + requestID,
				SessionToken:    "sandbox-session-" + requestID,
				Expiration:      s.Now().UTC().Add(time.Duration(duration) * time.Second).Format(time.RFC3339),
			},
			AssumedRoleUser: assumedRoleUser{
				AssumedRoleID: roleID + ":" + session,
				Arn:           "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + roleName + "/" + session,
			},
		},
		Metadata: responseMetadata{RequestID: requestID},
	})
}

func marshalSTS(v any) ([]byte, *awserr.Error) {
	out, err := xml.Marshal(v)
	if err != nil {
		return nil, awserr.ReceiverFault(0, "InternalFailure", "encoding response: %v", err)
	}
	return append([]byte(xml.Header), out...), nil
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type callerIdentity struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

type getCallerIdentityResponse struct {
	XMLName  xml.Name         `xml:"GetCallerIdentityResponse"`
	XMLNS    string           `xml:"xmlns,attr"`
	Result   callerIdentity   `xml:"GetCallerIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type assumeRoleResult struct {
	Credentials     stsCredentials  `xml:"Credentials"`
	AssumedRoleUser assumedRoleUser `xml:"AssumedRoleUser"`
}

type assumeRoleResponse struct {
	XMLName  xml.Name         `xml:"AssumeRoleResponse"`
	XMLNS    string           `xml:"xmlns,attr"`
	Result   assumeRoleResult `xml:"AssumeRoleResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}
