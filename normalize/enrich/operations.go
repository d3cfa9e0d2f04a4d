package enrich

import "bytes"

// OperationInfo is what the operation map knows of one access-log operation.
type OperationInfo struct {
	// Action is the CloudTrail eventName; empty when the operation has no
	// API equivalent (lifecycle S3.* actions, CORS preflight) or is unknown.
	Action   string
	ReadOnly bool
	// Known is false for operations missing from the map; ReadOnly is then
	// guessed from the HTTP method inside the operation name.
	Known bool
}

// opEntry is what the operation table knows of one access-log operation.
type opEntry struct {
	// action is the CloudTrail eventName; for operations that serve both a
	// bucket and an object it is the bucket one. Empty: no CloudTrail event.
	action string
	// objectAction replaces action when the record has a key (ACL, TAGGING).
	objectAction string
	// listAction replaces action when the URI has no "id" query parameter
	// (ANALYTICS, INVENTORY, METRICS, INTELLIGENT_TIERING).
	listAction string
	readOnly   bool
}

func readOp(action string) opEntry  { return opEntry{action: action, readOnly: true} }
func writeOp(action string) opEntry { return opEntry{action: action} }

// readBucketOrObject and writeBucketOrObject are for operation names that
// serve a bucket and an object alike; the Key field tells them apart.
func readBucketOrObject(bucketAction, objectAction string) opEntry {
	return opEntry{action: bucketAction, objectAction: objectAction, readOnly: true}
}

func writeBucketOrObject(bucketAction, objectAction string) opEntry {
	return opEntry{action: bucketAction, objectAction: objectAction}
}

// getOrList is for the GET of configurations kept by id: one id gets one
// configuration, no id lists them all.
func getOrList(getAction, listAction string) opEntry {
	return opEntry{action: getAction, listAction: listAction, readOnly: true}
}

// noEvent marks operations S3 performs itself (lifecycle) or that CloudTrail
// does not log (CORS preflight): known, but without an action.
func noEvent(readOnly bool) opEntry { return opEntry{readOnly: readOnly} }

// operationTable maps access-log operations to CloudTrail eventNames. The
// codes are the ones AWS's log-format, lifecycle and ACL pages name and the
// REST.METHOD.RESOURCE codes of every S3 API; the actions are CloudTrail's
// eventNames, which are not always the API's name (PutBucketLifecycle).
// WEBSITE.* and SOAP.METHOD.RESOURCE are looked up under their REST.* name.
var operationTable = map[string]opEntry{
	// Objects.
	"REST.GET.OBJECT":               readOp("GetObject"),
	"REST.HEAD.OBJECT":              readOp("HeadObject"),
	"REST.PUT.OBJECT":               writeOp("PutObject"),
	"REST.POST.OBJECT":              writeOp("PutObject"), // browser form upload; CloudTrail logs PutObject
	"REST.DELETE.OBJECT":            writeOp("DeleteObject"),
	"BATCH.DELETE.OBJECT":           writeOp("DeleteObject"), // one per key of a multi-object delete
	"REST.POST.MULTI_OBJECT_DELETE": writeOp("DeleteObjects"),
	// Both halves of a server-side copy are the one CopyObject call, a write.
	"REST.COPY.OBJECT":           writeOp("CopyObject"),
	"REST.COPY.OBJECT_GET":       writeOp("CopyObject"),
	"REST.COPY.PART":             writeOp("UploadPartCopy"),
	"REST.COPY.PART_GET":         writeOp("UploadPartCopy"),
	"REST.POST.RESTORE":          writeOp("RestoreObject"),
	"REST.POST.SELECT":           readOp("SelectObjectContent"),
	"REST.GET.OBJECT_ATTRIBUTES": readOp("GetObjectAttributes"),
	"REST.GET.TORRENT":           readOp("GetObjectTorrent"),

	// Multipart uploads.
	"REST.POST.UPLOADS":  writeOp("CreateMultipartUpload"),
	"REST.PUT.PART":      writeOp("UploadPart"),
	"REST.POST.UPLOAD":   writeOp("CompleteMultipartUpload"),
	"REST.DELETE.UPLOAD": writeOp("AbortMultipartUpload"),
	"REST.GET.UPLOAD":    readOp("ListParts"),
	"REST.GET.UPLOADS":   readOp("ListMultipartUploads"),

	// Buckets and listings. ListObjectsV2 (list-type=2) is ListObjects in
	// CloudTrail too, so the join key stays ListObjects.
	"REST.GET.SERVICE":        readOp("ListBuckets"),
	"REST.GET.BUCKET":         readOp("ListObjects"),
	"REST.GET.BUCKETVERSIONS": readOp("ListObjectVersions"),
	"REST.HEAD.BUCKET":        readOp("HeadBucket"),
	"REST.PUT.BUCKET":         writeOp("CreateBucket"),
	"REST.DELETE.BUCKET":      writeOp("DeleteBucket"),
	"REST.GET.LOCATION":       readOp("GetBucketLocation"),

	// ACLs and tags.
	"REST.GET.ACL":               readBucketOrObject("GetBucketAcl", "GetObjectAcl"),
	"REST.PUT.ACL":               writeBucketOrObject("PutBucketAcl", "PutObjectAcl"),
	"REST.GET.OBJECT_TAGGING":    readOp("GetObjectTagging"),
	"REST.PUT.OBJECT_TAGGING":    writeOp("PutObjectTagging"),
	"REST.DELETE.OBJECT_TAGGING": writeOp("DeleteObjectTagging"),
	"REST.GET.TAGGING":           readBucketOrObject("GetBucketTagging", "GetObjectTagging"),
	"REST.PUT.TAGGING":           writeBucketOrObject("PutBucketTagging", "PutObjectTagging"),
	"REST.DELETE.TAGGING":        writeBucketOrObject("DeleteBucketTagging", "DeleteObjectTagging"),

	// Bucket configuration.
	"REST.GET.BUCKETPOLICY":              readOp("GetBucketPolicy"),
	"REST.PUT.BUCKETPOLICY":              writeOp("PutBucketPolicy"),
	"REST.DELETE.BUCKETPOLICY":           writeOp("DeleteBucketPolicy"),
	"REST.GET.POLICY_STATUS":             readOp("GetBucketPolicyStatus"),
	"REST.GET.VERSIONING":                readOp("GetBucketVersioning"),
	"REST.PUT.VERSIONING":                writeOp("PutBucketVersioning"),
	"REST.GET.LOGGING_STATUS":            readOp("GetBucketLogging"),
	"REST.PUT.LOGGING_STATUS":            writeOp("PutBucketLogging"),
	"REST.GET.LIFECYCLE":                 readOp("GetBucketLifecycle"),
	"REST.PUT.LIFECYCLE":                 writeOp("PutBucketLifecycle"),
	"REST.DELETE.LIFECYCLE":              writeOp("DeleteBucketLifecycle"),
	"REST.GET.CORS":                      readOp("GetBucketCors"),
	"REST.PUT.CORS":                      writeOp("PutBucketCors"),
	"REST.DELETE.CORS":                   writeOp("DeleteBucketCors"),
	"REST.GET.ENCRYPTION":                readOp("GetBucketEncryption"),
	"REST.PUT.ENCRYPTION":                writeOp("PutBucketEncryption"),
	"REST.DELETE.ENCRYPTION":             writeOp("DeleteBucketEncryption"),
	"REST.GET.NOTIFICATION":              readOp("GetBucketNotification"),
	"REST.PUT.NOTIFICATION":              writeOp("PutBucketNotification"),
	"REST.GET.REPLICATION":               readOp("GetBucketReplication"),
	"REST.PUT.REPLICATION":               writeOp("PutBucketReplication"),
	"REST.DELETE.REPLICATION":            writeOp("DeleteBucketReplication"),
	"REST.GET.WEBSITE":                   readOp("GetBucketWebsite"),
	"REST.PUT.WEBSITE":                   writeOp("PutBucketWebsite"),
	"REST.DELETE.WEBSITE":                writeOp("DeleteBucketWebsite"),
	"REST.GET.PUBLIC_ACCESS_BLOCK":       readOp("GetBucketPublicAccessBlock"),
	"REST.PUT.PUBLIC_ACCESS_BLOCK":       writeOp("PutBucketPublicAccessBlock"),
	"REST.DELETE.PUBLIC_ACCESS_BLOCK":    writeOp("DeleteBucketPublicAccessBlock"),
	"REST.GET.OWNERSHIP_CONTROLS":        readOp("GetBucketOwnershipControls"),
	"REST.PUT.OWNERSHIP_CONTROLS":        writeOp("PutBucketOwnershipControls"),
	"REST.DELETE.OWNERSHIP_CONTROLS":     writeOp("DeleteBucketOwnershipControls"),
	"REST.GET.REQUEST_PAYMENT":           readOp("GetBucketRequestPayment"),
	"REST.PUT.REQUEST_PAYMENT":           writeOp("PutBucketRequestPayment"),
	"REST.GET.ACCELERATE":                readOp("GetBucketAccelerateConfiguration"),
	"REST.PUT.ACCELERATE":                writeOp("PutBucketAccelerateConfiguration"),
	"REST.GET.OBJECT_LOCK_CONFIGURATION": readOp("GetObjectLockConfiguration"),
	"REST.PUT.OBJECT_LOCK_CONFIGURATION": writeOp("PutObjectLockConfiguration"),
	"REST.GET.RETENTION":                 readOp("GetObjectRetention"),
	"REST.PUT.RETENTION":                 writeOp("PutObjectRetention"),
	"REST.GET.LEGAL_HOLD":                readOp("GetObjectLegalHold"),
	"REST.PUT.LEGAL_HOLD":                writeOp("PutObjectLegalHold"),

	// Configurations kept by id.
	"REST.GET.ANALYTICS":              getOrList("GetBucketAnalyticsConfiguration", "ListBucketAnalyticsConfigurations"),
	"REST.PUT.ANALYTICS":              writeOp("PutBucketAnalyticsConfiguration"),
	"REST.DELETE.ANALYTICS":           writeOp("DeleteBucketAnalyticsConfiguration"),
	"REST.GET.INVENTORY":              getOrList("GetBucketInventoryConfiguration", "ListBucketInventoryConfigurations"),
	"REST.PUT.INVENTORY":              writeOp("PutBucketInventoryConfiguration"),
	"REST.DELETE.INVENTORY":           writeOp("DeleteBucketInventoryConfiguration"),
	"REST.GET.METRICS":                getOrList("GetBucketMetricsConfiguration", "ListBucketMetricsConfigurations"),
	"REST.PUT.METRICS":                writeOp("PutBucketMetricsConfiguration"),
	"REST.DELETE.METRICS":             writeOp("DeleteBucketMetricsConfiguration"),
	"REST.GET.INTELLIGENT_TIERING":    getOrList("GetBucketIntelligentTieringConfiguration", "ListBucketIntelligentTieringConfigurations"),
	"REST.PUT.INTELLIGENT_TIERING":    writeOp("PutBucketIntelligentTieringConfiguration"),
	"REST.DELETE.INTELLIGENT_TIERING": writeOp("DeleteBucketIntelligentTieringConfiguration"),

	// No CloudTrail event. Lifecycle actions change or remove data.
	"REST.OPTIONS.PREFLIGHT": noEvent(true),
	// A Batch Operations Compute checksum job logs one record per object,
	// with a UUID-style request id and most fields "-"; it reads the
	// object and changes nothing.
	"S3.COMPUTE.OBJECT.CHECKSUM": noEvent(true),
	"S3.EXPIRE.OBJECT":           noEvent(false),
	"S3.CREATE.DELETEMARKER":     noEvent(false),
	"S3.DELETE.UPLOAD":           noEvent(false), // lifecycle abort of an incomplete upload
	"S3.RESTORE.OBJECT":          noEvent(false),
	"S3.TRANSITION.OBJECT":       noEvent(false),
	"S3.TRANSITION_SIA.OBJECT":   noEvent(false),
	"S3.TRANSITION_ZIA.OBJECT":   noEvent(false),
	"S3.TRANSITION_INT.OBJECT":   noEvent(false),
	"S3.TRANSITION_GIR.OBJECT":   noEvent(false),
	"S3.TRANSITION_GDA.OBJECT":   noEvent(false),

	// The retired SOAP API logged SOAP.<OperationName>.
	"SOAP.ListAllMyBuckets":             readOp("ListBuckets"),
	"SOAP.CreateBucket":                 writeOp("CreateBucket"),
	"SOAP.DeleteBucket":                 writeOp("DeleteBucket"),
	"SOAP.ListBucket":                   readOp("ListObjects"),
	"SOAP.GetBucketAccessControlPolicy": readOp("GetBucketAcl"),
	"SOAP.SetBucketAccessControlPolicy": writeOp("PutBucketAcl"),
	"SOAP.GetBucketLoggingStatus":       readOp("GetBucketLogging"),
	"SOAP.SetBucketLoggingStatus":       writeOp("PutBucketLogging"),
	"SOAP.PutObject":                    writeOp("PutObject"),
	"SOAP.PutObjectInline":              writeOp("PutObject"),
	"SOAP.CopyObject":                   writeOp("CopyObject"),
	"SOAP.GetObject":                    readOp("GetObject"),
	"SOAP.GetObjectExtended":            readOp("GetObject"),
	"SOAP.DeleteObject":                 writeOp("DeleteObject"),
	"SOAP.GetObjectAccessControlPolicy": readOp("GetObjectAcl"),
	"SOAP.SetObjectAccessControlPolicy": writeOp("PutObjectAcl"),
}

// maxOperationLen bounds the stack buffer that renames WEBSITE.*/SOAP.* to
// REST.*; longer names are not in the table anyway.
const maxOperationLen = 64

// LookupOperation maps an access-log operation (REST.GET.OBJECT) to its CloudTrail action.
// key is the access-log Key field ("-" or empty when the operation has no key) and uri the
// Request-URI field ("GET /bucket/key?x HTTP/1.1", or "-"/empty), used for the rules below.
func LookupOperation(op, key, uri []byte) OperationInfo {
	e, ok := operationTable[string(op)]
	if !ok {
		e, ok = lookupAsREST(op)
	}
	if !ok {
		if len(op) >= len("S3.TRANSITION") && string(op[:len("S3.TRANSITION")]) == "S3.TRANSITION" {
			// Storage classes get new transition operations over time.
			return OperationInfo{Known: true}
		}
		return OperationInfo{ReadOnly: operationMethodReadOnly(op)}
	}
	info := OperationInfo{Action: e.action, ReadOnly: e.readOnly, Known: true}
	if e.objectAction != "" && accessLogHasKey(key) {
		info.Action = e.objectAction
	}
	if e.listAction != "" && !URIHasQueryParam(uri, "id") {
		info.Action = e.listAction
	}
	return info
}

// lookupAsREST looks WEBSITE.M.R and SOAP.M.R up as REST.M.R, building the
// name in a stack buffer so the lookup does not allocate.
func lookupAsREST(op []byte) (opEntry, bool) {
	dot := bytes.IndexByte(op, '.')
	if dot < 0 {
		return opEntry{}, false
	}
	prefix := op[:dot]
	if string(prefix) != "WEBSITE" && string(prefix) != "SOAP" {
		return opEntry{}, false
	}
	var buf [maxOperationLen]byte
	n := copy(buf[:], "REST")
	if n+len(op)-dot > len(buf) {
		return opEntry{}, false
	}
	n += copy(buf[n:], op[dot:])
	e, ok := operationTable[string(buf[:n])]
	return e, ok
}

// operationMethodReadOnly guesses from the method word of an unknown operation
// (REST.GET.NEWTHING) whether it reads.
func operationMethodReadOnly(op []byte) bool {
	dot := bytes.IndexByte(op, '.')
	if dot < 0 {
		return false
	}
	method := op[dot+1:]
	if end := bytes.IndexByte(method, '.'); end >= 0 {
		method = method[:end]
	}
	switch string(method) {
	case "GET", "HEAD", "OPTIONS":
		return true
	}
	return false
}

// accessLogHasKey reports whether an access-log Key field names an object.
func accessLogHasKey(key []byte) bool {
	return len(key) > 0 && !(len(key) == 1 && key[0] == '-')
}

// URIHasQueryParam reports whether the query string of a Request-URI field
// ("GET /bucket?analytics&id=x HTTP/1.1") has a parameter named name, with
// or without a value.
func URIHasQueryParam(uri []byte, name string) bool {
	q := bytes.IndexByte(uri, '?')
	if q < 0 {
		return false
	}
	query := uri[q+1:]
	// The query ends at the space before the protocol or at a fragment.
	if end := bytes.IndexAny(query, " #"); end >= 0 {
		query = query[:end]
	}
	for len(query) > 0 {
		param := query
		if amp := bytes.IndexByte(query, '&'); amp >= 0 {
			param, query = query[:amp], query[amp+1:]
		} else {
			query = nil
		}
		if eq := bytes.IndexByte(param, '='); eq >= 0 {
			param = param[:eq]
		}
		if string(param) == name {
			return true
		}
	}
	return false
}

// readOnlyActionPrefixes are the verbs of CloudTrail eventNames that only
// read: GetObject, ListBuckets, HeadBucket, DescribeInstances, LookupEvents,
// SelectObjectContent, BatchGetItem, ...
var readOnlyActionPrefixes = [...]string{
	"Get", "List", "Head", "Describe", "Lookup", "Search", "Select",
	"BatchGet", "Query", "Scan",
}

// ActionReadOnly reports whether a CloudTrail eventName is a read (Get*, List*, Head*,
// Describe*, Lookup*, ...), used for CloudTrail records that lack the readOnly field.
func ActionReadOnly(action []byte) bool {
	for _, verb := range readOnlyActionPrefixes {
		if len(action) < len(verb) || string(action[:len(verb)]) != verb {
			continue
		}
		// The verb must be a whole word: "Listen..." or "Header..." is not a read.
		rest := action[len(verb):]
		if len(rest) == 0 || ('A' <= rest[0] && rest[0] <= 'Z') {
			return true
		}
	}
	return false
}
